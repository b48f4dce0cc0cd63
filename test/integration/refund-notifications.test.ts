/**
 * A refund the provider accepts as "processing" (WeChat Pay) is completed by its
 * notification; when that notification is lost, the reconciler asks again with the
 * same idempotency key and records the answer. Money moves once either way.
 */
import { describe, expect, it } from 'vitest';
import { eventually, useLocalStack } from '../helpers/local-stack.js';
import { ADDRESS, getOrder, ops, paymentIdOf, product, waitForStatus } from '../helpers/shop.js';

const api = useLocalStack({ env: { RECONCILE_GRACE_SECONDS: '0', RECONCILE_PAYMENT_QUERY_SECONDS: '1', RECONCILE_INTERVAL_SECONDS: '3600' } });

async function paidWechatOrder(customer: string) {
  const sku = await product(api, 2);
  const placed = await api.request('POST', '/orders', {
    token: await api.token(customer),
    headers: { 'idempotency-key': `${customer}-1` },
    body: { items: [{ sku, quantity: 1, unitPriceMinor: 1999 }], currency: 'CNY', shippingAddress: ADDRESS, paymentMethod: 'wechat_pay' },
  });
  const paymentId = await paymentIdOf(api, customer, placed.body.orderId);
  expect((await api.request('POST', `/sandbox/payments/${paymentId}/succeed`)).body.delivered.status).toBe(204);
  await waitForStatus(api, customer, placed.body.orderId, 'PICKING');
  return { orderId: placed.body.orderId as string, paymentId };
}

describe('refunds the provider completes later', () => {
  it('are PENDING until WeChat Pay notifies REFUND.SUCCESS, then SUCCEEDED', async () => {
    const { orderId, paymentId } = await paidWechatOrder('refund-notified');
    expect((await api.request('POST', `/orders/${orderId}/cancel`, { token: await api.token('refund-notified') })).status).toBe(202);
    const refunded = await eventually(async () => {
      const order = await getOrder(api, 'refund-notified', orderId);
      return order.payment.status === 'REFUNDED' ? order : null;
    });
    expect(refunded.payment.refunds).toMatchObject([{ reason: 'ORDER_CANCELLED', status: 'SUCCEEDED', amountMinor: 1999 }]);
    expect(refunded.payment.refunds[0]).not.toHaveProperty('submittedAt');
    expect(api.stack.sandbox.payments.get(paymentId)?.refunds).toHaveLength(1);
  });

  it('whose notification is lost are completed by the reconciler, asking again with the same key', async () => {
    const { orderId, paymentId } = await paidWechatOrder('refund-lost');
    api.stack.providers.wechatpay.loseRefundNotifications = true;
    try {
      expect((await api.request('POST', `/orders/${orderId}/cancel`, { token: await api.token('refund-lost') })).status).toBe(202);
      const pending = await eventually(async () => {
        const order = await getOrder(api, 'refund-lost', orderId);
        return order.status === 'CANCELLED' && order.payment.refunds.length === 1 ? order : null;
      });
      // The money moved at the provider; the order waits for word of it.
      await eventually(async () => api.stack.sandbox.payments.get(paymentId)?.refunds.length === 1);
      expect(pending.payment).toMatchObject({ status: 'SUCCEEDED', refundedMinor: 0, refunds: [{ status: 'PENDING' }] });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const report = await api.request('POST', '/ops/reconcile', { token: await ops(api) });
      expect(report.status).toBe(200);
      expect(report.body.repaired).toEqual(expect.arrayContaining([{ orderId, action: 'completed-owed-refunds' }]));
      const done = await getOrder(api, 'refund-lost', orderId);
      expect(done.payment).toMatchObject({ status: 'REFUNDED', refundedMinor: 1999, refunds: [{ status: 'SUCCEEDED' }] });
      expect(api.stack.sandbox.payments.get(paymentId)?.refunds).toHaveLength(1);
    } finally {
      api.stack.providers.wechatpay.loseRefundNotifications = false;
    }
  });
});
