/**
 * Every real payment provider, end to end over HTTP: the real adapter talks to the
 * provider's local stand-in, which signs its notifications with keys made at start in
 * the provider's own scheme (API.md "Payment providers and their webhooks").
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NotificationOptions } from '../../lib/local/providers/server.js';
import { eventually, useLocalStack, type Api } from '../helpers/local-stack.js';
import { ADDRESS, deliver, getOrder, pickAndShip, product, stockSettles, waitForRefunded, waitForStatus } from '../helpers/shop.js';

const api = useLocalStack({ env: { PAYMENT_TIMEOUT_SECONDS: '5', RECONCILE_PAYMENT_QUERY_SECONDS: '3600' } });

const PROVIDERS = [
  { method: 'card', provider: 'stripe' },
  { method: 'alipay', provider: 'alipay' },
  { method: 'wechat_pay', provider: 'wechatpay' },
  { method: 'paypal', provider: 'paypal' },
] as const;

async function order(api: Api, customer: string, method: string, sku: string, quantity = 1) {
  const reply = await api.request('POST', '/orders', {
    token: await api.token(customer),
    headers: { 'idempotency-key': randomUUID() },
    body: { items: [{ sku, quantity, unitPriceMinor: 1999 }], currency: 'CNY', shippingAddress: ADDRESS, paymentMethod: method },
  });
  expect(reply.status).toBe(201);
  const paid = await eventually(async () => {
    const current = await getOrder(api, customer, reply.body.orderId);
    return current.payment ? current : null;
  }, 20_000, 'the payment to be created');
  // The customer opens the checkout page (a page-pay trade exists at the provider from then on).
  if (paid.payment.checkoutUrl.startsWith('http')) expect((await fetch(paid.payment.checkoutUrl)).status).toBe(200);
  return { orderId: reply.body.orderId as string, payment: paid.payment };
}

/** Posts a notification to the provider's webhook as is (tests forge, age and repeat them). */
async function post(api: Api, provider: string, signed: { rawBody: string; headers: Record<string, string> }) {
  return api.request('POST', `/webhooks/payments/${provider}`, { rawBody: signed.rawBody, headers: signed.headers });
}

function notification(api: Api, provider: string, paymentId: string, outcome: 'succeed' | 'fail', options?: NotificationOptions) {
  const standIn = api.stack.providers.get(provider)!;
  return standIn.paymentNotification(api.stack.sandbox.payments.get(paymentId)!, outcome, options);
}

describe.each(PROVIDERS)('$provider ($method)', ({ method, provider }) => {
  it('runs the whole lifecycle through the real adapter and its stand-in', async () => {
    const sku = await product(api, 3);
    const customer = `life-${provider}`;
    const { orderId, payment } = await order(api, customer, method, sku);
    expect(payment).toMatchObject({ provider, status: 'PENDING', amountMinor: 1999, currency: 'CNY', paidAt: null, refunds: [] });
    // An absolute URL: a web page, or WeChat's code_url that the customer scans as a QR code.
    expect(new URL(payment.checkoutUrl).protocol).toMatch(provider === 'wechatpay' ? /^weixin:$/ : /^https?:$/);
    const reply = await api.request('POST', `/sandbox/payments/${payment.paymentId}/succeed`);
    expect(reply.status).toBe(200);
    expect(reply.body.delivered.status).toBeGreaterThanOrEqual(200);
    expect(reply.body.delivered.status).toBeLessThan(300);
    const picking = await waitForStatus(api, customer, orderId, 'PICKING');
    expect(picking.payment).toMatchObject({ provider, status: 'SUCCEEDED', refundedMinor: 0, refunds: [] });
    const shipped = await pickAndShip(api, customer, orderId);
    await deliver(api, customer, orderId, shipped.shipment.trackingNumber);
    const confirmed = await api.request('POST', `/orders/${orderId}/confirm-receipt`, { token: await api.token(customer) });
    expect(confirmed.status).toBe(200);
    await waitForStatus(api, customer, orderId, 'COMPLETED');
    expect(await stockSettles(api, sku, { available: 2, reserved: 0, sold: 1 })).toEqual({ available: 2, reserved: 0, sold: 1 });
  });

  it('a failed payment cancels the order and releases its stock', async () => {
    const sku = await product(api, 2);
    const customer = `fail-${provider}`;
    const { orderId, payment } = await order(api, customer, method, sku);
    expect((await api.request('POST', `/sandbox/payments/${payment.paymentId}/fail`)).status).toBe(200);
    const cancelled = await waitForStatus(api, customer, orderId, 'CANCELLED');
    expect(cancelled.cancellation.reason).toBe('PAYMENT_FAILED');
    expect(cancelled.payment.status).toBe('FAILED');
    expect(await stockSettles(api, sku, { available: 2, reserved: 0, sold: 0 })).toEqual({ available: 2, reserved: 0, sold: 0 });
  });

  it('a cancel after payment, sent five times at once, refunds once', async () => {
    const sku = await product(api, 2);
    const customer = `cancel-${provider}`;
    const { orderId, payment } = await order(api, customer, method, sku);
    await api.request('POST', `/sandbox/payments/${payment.paymentId}/succeed`);
    await waitForStatus(api, customer, orderId, 'PICKING');
    const token = await api.token(customer);
    const replies = await Promise.all(Array.from({ length: 5 }, () => api.request('POST', `/orders/${orderId}/cancel`, { token })));
    expect(replies.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    const refunded = await waitForRefunded(api, customer, orderId);
    expect(refunded.payment).toMatchObject({ status: 'REFUNDED', refundedMinor: 1999 });
    expect(refunded.payment.refunds).toMatchObject([{ reason: 'ORDER_CANCELLED', status: 'SUCCEEDED', amountMinor: 1999 }]);
    expect(api.stack.sandbox.payments.get(payment.paymentId)?.refunds).toHaveLength(1);
    expect(await stockSettles(api, sku, { available: 2, reserved: 0, sold: 0 })).toEqual({ available: 2, reserved: 0, sold: 0 });
  });

  it('the same success notification several times at once pays once and refunds nothing', async () => {
    const sku = await product(api, 2);
    const customer = `dup-${provider}`;
    const { orderId, payment } = await order(api, customer, method, sku);
    expect(api.stack.sandbox.capture(payment.paymentId, 'succeed')).toBe(true);
    const same = notification(api, provider, payment.paymentId, 'succeed');
    const replies = await Promise.all([
      ...Array.from({ length: 3 }, () => post(api, provider, same)),
      ...Array.from({ length: 3 }, () => post(api, provider, notification(api, provider, payment.paymentId, 'succeed'))),
    ]);
    for (const reply of replies) expect(reply.status).toBeLessThan(300);
    const picking = await waitForStatus(api, customer, orderId, 'PICKING');
    expect(picking.payment).toMatchObject({ status: 'SUCCEEDED', refunds: [] });
    expect(picking.history.filter((h: { status: string }) => h.status === 'PAID')).toHaveLength(1);
    expect(api.stack.sandbox.payments.get(payment.paymentId)?.refunds).toEqual([]);
  });

  it('a wrong amount is refunded and the order cancelled', async () => {
    const sku = await product(api, 2);
    const customer = `wrong-${provider}`;
    const { orderId, payment } = await order(api, customer, method, sku);
    expect((await api.request('POST', `/sandbox/payments/${payment.paymentId}/succeed`, { body: { amountMinor: 1500 } })).status).toBe(200);
    const refunded = await waitForRefunded(api, customer, orderId);
    expect(refunded.cancellation.reason).toBe('PAYMENT_FAILED');
    expect(refunded.payment).toMatchObject({ amountMinor: 1500, refundedMinor: 1500 });
    expect(refunded.payment.refunds).toMatchObject([{ reason: 'PAYMENT_MISMATCH', status: 'SUCCEEDED', amountMinor: 1500 }]);
    expect(await stockSettles(api, sku, { available: 2, reserved: 0, sold: 0 })).toEqual({ available: 2, reserved: 0, sold: 0 });
  });

  it('forged and stale notifications are refused with 401 and change nothing', async () => {
    const sku = await product(api, 2);
    const customer = `forged-${provider}`;
    const { orderId, payment } = await order(api, customer, method, sku);
    expect(api.stack.sandbox.capture(payment.paymentId, 'succeed')).toBe(true);
    const forged = await post(api, provider, notification(api, provider, payment.paymentId, 'succeed', { forged: true }));
    expect([forged.status, forged.body.code]).toEqual([401, 'INVALID_SIGNATURE']);
    const stale = await post(api, provider, notification(api, provider, payment.paymentId, 'succeed', { ageSeconds: 3 * 24 * 3600 }));
    expect([stale.status, stale.body.code]).toEqual([401, 'INVALID_SIGNATURE']);
    // A genuine notification whose body was altered in transit no longer verifies.
    const genuine = notification(api, provider, payment.paymentId, 'succeed');
    const altered = genuine.rawBody.replace('1999', '1').replace('19.99', '0.01').replace('"summary":"', '"summary":"x');
    expect(altered).not.toBe(genuine.rawBody);
    const tampered = await post(api, provider, { ...genuine, rawBody: altered });
    expect([tampered.status, tampered.body.code]).toEqual([401, 'INVALID_SIGNATURE']);
    const unchanged = await getOrder(api, customer, orderId);
    expect(unchanged).toMatchObject({ status: 'PENDING_PAYMENT', payment: { status: 'PENDING', paidAt: null } });
  });

  it('refuses with 401 whatever lacks a whole, valid signature of the provider (never a 5xx)', async () => {
    const sku = await product(api, 1);
    const { orderId, payment } = await order(api, `hostile-${provider}`, method, sku);
    const genuine = notification(api, provider, payment.paymentId, 'succeed');
    const attempts = [
      { rawBody: '', headers: {} },
      { rawBody: 'not even json', headers: { 'content-type': 'text/plain' } },
      { rawBody: '{"a":1}', headers: genuine.headers },
      ...Object.keys(genuine.headers)
        .filter((name) => name !== 'content-type')
        .map((name) => ({ rawBody: genuine.rawBody, headers: Object.fromEntries(Object.entries(genuine.headers).filter(([key]) => key !== name)) })),
    ];
    for (const attempt of attempts) {
      const reply = await post(api, provider, attempt);
      expect([reply.status, reply.body?.code], JSON.stringify(attempt.headers)).toEqual([401, 'INVALID_SIGNATURE']);
    }
    expect((await getOrder(api, `hostile-${provider}`, orderId)).status).toBe('PENDING_PAYMENT');
  });

  it('a lost notification is found at the deadline: the order is paid', async () => {
    const sku = await product(api, 2);
    const customer = `lost-${provider}`;
    const { orderId, payment } = await order(api, customer, method, sku);
    expect((await api.request('POST', `/sandbox/payments/${payment.paymentId}/succeed`, { body: { notify: false } })).status).toBe(200);
    const picking = await waitForStatus(api, customer, orderId, 'PICKING', 20_000);
    expect(picking.payment).toMatchObject({ status: 'SUCCEEDED', refunds: [] });
    expect(await stockSettles(api, sku, { available: 1, reserved: 0, sold: 1 })).toEqual({ available: 1, reserved: 0, sold: 1 });
  });

  it('an unpaid order at its deadline is cancelled with its payment closed; a payment that still arrives is refunded', async () => {
    const sku = await product(api, 2);
    const customer = `late-${provider}`;
    const { orderId, payment } = await order(api, customer, method, sku);
    const cancelled = await waitForStatus(api, customer, orderId, 'CANCELLED', 20_000);
    expect(cancelled.cancellation.reason).toBe('PAYMENT_TIMEOUT');
    expect(cancelled.payment).toMatchObject({ status: 'CLOSED', paidAt: null });
    if (provider === 'paypal') {
      // PayPal orders cannot be voided, but only the merchant captures: an approval that
      // comes after the close is not captured, and no money moves.
      const approved = await api.request('POST', `/sandbox/payments/${payment.paymentId}/succeed`);
      expect(approved.body.delivered.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await getOrder(api, customer, orderId)).payment).toMatchObject({ status: 'CLOSED', refunds: [] });
      expect(api.stack.sandbox.payments.get(payment.paymentId)?.status).toBe('PENDING');
    } else {
      expect(api.stack.sandbox.payments.get(payment.paymentId)?.status).toBe('CLOSED');
      const refused = await api.request('POST', `/sandbox/payments/${payment.paymentId}/succeed`);
      expect(refused.status).toBe(409);
    }
    // A payment in flight as the provider closed it (the provider took it after all).
    const held = api.stack.sandbox.payments.get(payment.paymentId)!;
    api.stack.sandbox.payments.set(payment.paymentId, { ...held, status: 'SUCCEEDED' });
    expect((await post(api, provider, notification(api, provider, payment.paymentId, 'succeed'))).status).toBeLessThan(300);
    const refunded = await eventually(async () => {
      const current = await getOrder(api, customer, orderId);
      return current.payment.refunds.some((r: { status: string }) => r.status === 'SUCCEEDED') ? current : null;
    });
    expect(refunded.status).toBe('CANCELLED');
    expect(refunded.payment.refunds).toMatchObject([{ reason: 'LATE_PAYMENT', status: 'SUCCEEDED', amountMinor: 1999 }]);
    expect(api.stack.sandbox.payments.get(payment.paymentId)?.refunds).toHaveLength(1);
  });
});
