/**
 * Operators' partial refunds (API.md `POST /ops/orders/{orderId}/refunds`): idempotent
 * by key, never beyond what is refundable, even when requests race; the order's status
 * does not change, its payment and refund ledger do.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useLocalStack, type Api } from '../helpers/local-stack.js';
import { deliver, ops, pay, pickAndShip, placeOrder, product, warehouse, waitForStatus } from '../helpers/shop.js';

const api = useLocalStack({}, { validateResponses: true });

async function paidOrder(customer: string) {
  const sku = await product(api, 5);
  const placed = await placeOrder(api, customer, [{ sku, quantity: 1 }]);
  const order = await pay(api, customer, placed.body.orderId);
  return order as { orderId: string; payment: { paymentId: string } };
}

async function refund(api: Api, orderId: string, amountMinor: number, key: string | null = randomUUID(), token?: string) {
  return api.request('POST', `/ops/orders/${orderId}/refunds`, {
    token: token ?? (await ops(api)),
    headers: key === null ? {} : { 'idempotency-key': key },
    body: { amountMinor, reason: 'GOODWILL', note: 'late delivery, sorry' },
  });
}

describe('partial refunds by operators', () => {
  it('refunds part of a paid order without changing its status, and the rest later', async () => {
    const { orderId, payment } = await paidOrder('goodwill');
    const first = await refund(api, orderId, 500);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ orderId, status: 'PICKING', payment: { status: 'PARTIALLY_REFUNDED', refundedMinor: 500 } });
    expect(first.body.payment.refunds).toMatchObject([{ amountMinor: 500, reason: 'GOODWILL', status: 'SUCCEEDED' }]);
    expect(first.body.payment.refunds[0]).not.toHaveProperty('note');
    expect(first.body.payment.refunds[0].refundId).toMatch(/^rf_[0-9a-f]{32}$/);
    const rest = await refund(api, orderId, 1499);
    expect(rest.body.payment).toMatchObject({ status: 'REFUNDED', refundedMinor: 1999 });
    expect(api.stack.sandbox.payments.get(payment.paymentId)).toMatchObject({ status: 'REFUNDED', refundedMinor: 1999 });
    // Nothing left: even one unit more is refused, with what could have been refunded.
    const over = await refund(api, orderId, 1);
    expect([over.status, over.body.code, over.body.errors]).toEqual([409, 'REFUND_EXCEEDS_BALANCE', [{ requested: 1, refundable: 0 }]]);
  });

  it('is idempotent by key: a replay refunds nothing more, another amount under the same key is refused', async () => {
    const { orderId, payment } = await paidOrder('goodwill-replay');
    const key = randomUUID();
    expect((await refund(api, orderId, 300, key)).status).toBe(201);
    const again = await refund(api, orderId, 300, key);
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(again.body.payment.refunds).toHaveLength(1);
    const reused = await refund(api, orderId, 400, key);
    expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect(api.stack.sandbox.payments.get(payment.paymentId)?.refunds).toHaveLength(1);
  });

  it('never refunds beyond the balance when requests race', async () => {
    const { orderId, payment } = await paidOrder('goodwill-race');
    const token = await ops(api);
    const replies = await Promise.all(Array.from({ length: 8 }, () => refund(api, orderId, 600, randomUUID(), token)));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
    for (const refused of replies.filter((r) => r.status === 409)) expect(refused.body.code).toBe('REFUND_EXCEEDS_BALANCE');
    const held = api.stack.sandbox.payments.get(payment.paymentId)!;
    expect([held.refundedMinor, held.refunds.length]).toEqual([1800, 3]);
  });

  it('works on a completed order too, and refuses what it must', async () => {
    const { orderId } = await paidOrder('goodwill-done');
    const shipped = await pickAndShip(api, 'goodwill-done', orderId);
    await deliver(api, 'goodwill-done', orderId, shipped.shipment.trackingNumber);
    await api.request('POST', `/orders/${orderId}/confirm-receipt`, { token: await api.token('goodwill-done') });
    await waitForStatus(api, 'goodwill-done', orderId, 'COMPLETED');
    const done = await refund(api, orderId, 999);
    expect(done.body).toMatchObject({ status: 'COMPLETED', payment: { status: 'PARTIALLY_REFUNDED', refundedMinor: 999 } });

    expect((await refund(api, orderId, 1, randomUUID(), await api.token('goodwill-done'))).status).toBe(403);
    expect((await refund(api, orderId, 1, randomUUID(), await warehouse(api))).status).toBe(403);
    const keyless = await refund(api, orderId, 1, null);
    expect([keyless.status, keyless.body.code]).toEqual([400, 'VALIDATION_ERROR']);
    const badReason = await api.request('POST', `/ops/orders/${orderId}/refunds`, { token: await ops(api), headers: { 'idempotency-key': randomUUID() }, body: { amountMinor: 1, reason: 'RETURN' } });
    expect([badReason.status, badReason.body.code]).toEqual([400, 'VALIDATION_ERROR']);
    expect((await refund(api, 'ord_01J00000000000000000000000', 1)).status).toBe(404);
    const sku = await product(api, 1);
    const unpaid = await placeOrder(api, 'goodwill-unpaid', [{ sku, quantity: 1 }]);
    const refused = await refund(api, unpaid.body.orderId, 1);
    expect([refused.status, refused.body.code]).toEqual([409, 'INVALID_STATE']);
  });
});
