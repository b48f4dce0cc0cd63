/** Signed webhooks: real Standard Webhooks signatures; anything that does not verify changes nothing. */
import { describe, expect, it } from 'vitest';
import { signedHeaders } from '../helpers/webhooks.js';
import { DEFAULT_SECRETS } from '../../lib/local/stack.js';
import { SANDBOX_PAYMENTS, useLocalStack } from '../helpers/local-stack.js';
import { getOrder, paymentIdOf, placeOrder, product, stockOf, waitForStatus } from '../helpers/shop.js';

const api = useLocalStack({ env: SANDBOX_PAYMENTS });

function signed(body: string, options: { id?: string; at?: Date; secret?: string } = {}) {
  return signedHeaders(options.secret ?? DEFAULT_SECRETS.PAYMENT_WEBHOOK_SECRET, body, options);
}

async function pendingOrder(customer: string) {
  const sku = await product(api, 3);
  const { body } = await placeOrder(api, customer, [{ sku, quantity: 1 }]);
  const paymentId = await paymentIdOf(api, customer, body.orderId);
  const event = JSON.stringify({ type: 'payment.succeeded', data: { paymentId, orderId: body.orderId, amountMinor: 1999, currency: 'CNY' } });
  return { sku, orderId: body.orderId as string, event };
}

describe('payment webhooks', () => {
  it('reject a bad signature, a stale or future timestamp, another secret and missing headers with 401, changing nothing', async () => {
    const { sku, orderId, event } = await pendingOrder('wendy');
    const good = signed(event);
    const attempts: Record<string, string>[] = [
      { ...good, 'webhook-signature': `v1,${Buffer.from('forged').toString('base64')}` },
      signed(event, { at: new Date(Date.now() - 310_000) }), // well past 300 s: timestamps are whole seconds
      signed(event, { at: new Date(Date.now() + 310_000) }),
      signed(event, { secret: DEFAULT_SECRETS.CARRIER_WEBHOOK_SECRET }),
      { ...good, 'webhook-id': 'another-id' },
      { 'webhook-id': good['webhook-id'], 'webhook-timestamp': good['webhook-timestamp'] },
      {},
    ];
    for (const headers of attempts) {
      const reply = await api.request('POST', '/webhooks/payments/sandbox', { rawBody: event, headers });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('content-type')).toBe('application/problem+json');
      expect(reply.body.code).toBe('INVALID_SIGNATURE');
    }
    // A body altered after signing fails too.
    const tampered = event.replace('1999', '1');
    expect((await api.request('POST', '/webhooks/payments/sandbox', { rawBody: tampered, headers: good })).status).toBe(401);

    const order = await getOrder(api, 'wendy', orderId);
    expect(order.status).toBe('PENDING_PAYMENT');
    expect(order.payment.status).toBe('PENDING');
    expect(await stockOf(api, sku)).toEqual({ available: 2, reserved: 1, sold: 0 });

    // The genuine event still works afterwards.
    expect((await api.request('POST', '/webhooks/payments/sandbox', { rawBody: event, headers: good })).status).toBe(200);
    await waitForStatus(api, 'wendy', orderId, 'PICKING');
  });

  it('accept any one of several signatures (secret rotation) and treat a duplicate id as a no-op', async () => {
    const { sku, orderId, event } = await pendingOrder('xavier');
    const headers = signed(event);
    headers['webhook-signature'] = `v1,${Buffer.from('old-secret-signature').toString('base64')} ${headers['webhook-signature']}`;
    const first = await api.request('POST', '/webhooks/payments/sandbox', { rawBody: event, headers });
    expect(first.status).toBe(200);
    await waitForStatus(api, 'xavier', orderId, 'PICKING');
    const again = await api.request('POST', '/webhooks/payments/sandbox', { rawBody: event, headers });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ received: true });
    expect(await stockOf(api, sku)).toEqual({ available: 2, reserved: 0, sold: 1 });
    const order = await getOrder(api, 'xavier', orderId);
    expect(order.history.filter((h: { status: string }) => h.status === 'PAID')).toHaveLength(1);
  });

  it('answer 400 for a body that verifies but does not parse', async () => {
    for (const body of ['{not json', JSON.stringify({ type: 'payment.refunded', data: {} })]) {
      const reply = await api.request('POST', '/webhooks/payments/sandbox', { rawBody: body, headers: signed(body) });
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('VALIDATION_ERROR');
    }
  });
});

describe('carrier webhooks', () => {
  it('verify with the carrier secret and ignore unknown tracking numbers', async () => {
    const body = JSON.stringify({ type: 'tracking.updated', data: { trackingNumber: 'NOPE', status: 'IN_TRANSIT', occurredAt: new Date().toISOString() } });
    const wrong = await api.request('POST', '/webhooks/carriers/sandbox', { rawBody: body, headers: signed(body) });
    expect(wrong.status).toBe(401);
    const right = await api.request('POST', '/webhooks/carriers/sandbox', { rawBody: body, headers: signed(body, { secret: DEFAULT_SECRETS.CARRIER_WEBHOOK_SECRET }) });
    expect(right.status).toBe(200);
  });
});
