/**
 * Returns (API.md "Returns and refunds (after-sales)" and "Warehouse"): requested by the
 * owner, approved or rejected by operators, received by the warehouse per condition,
 * refunded through the order's provider; expired when nothing arrives. Returnable
 * units are guarded by the order's version, so racing returns never over-return.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventually, useLocalStack } from '../helpers/local-stack.js';
import { deliver, getOrder, ops, pay, pickAndShip, placeOrder, product, warehouse } from '../helpers/shop.js';

const api = useLocalStack({ env: { RETURN_WINDOW_SECONDS: '20', RETURN_SHIP_BY_SECONDS: '2', RECONCILE_GRACE_SECONDS: '0', RECONCILE_INTERVAL_SECONDS: '3600' } }, { validateResponses: true });

async function delivered(customer: string, quantity = 2) {
  const sku = await product(api, 5);
  const placed = await placeOrder(api, customer, [{ sku, quantity }]);
  await pay(api, customer, placed.body.orderId);
  const shipped = await pickAndShip(api, customer, placed.body.orderId);
  await deliver(api, customer, placed.body.orderId, shipped.shipment.trackingNumber);
  return { orderId: placed.body.orderId as string, sku };
}

async function requestReturn(customer: string, orderId: string, items: unknown[], key = randomUUID()) {
  return api.request('POST', `/orders/${orderId}/returns`, { token: await api.token(customer), headers: { 'idempotency-key': key }, body: { items, note: 'too big' } });
}
const approve = async (returnId: string) => api.request('POST', `/ops/returns/${returnId}/approve`, { token: await ops(api), body: {} });
const receive = async (returnId: string, items: unknown[]) => api.request('POST', `/warehouse/returns/${returnId}/receive`, { token: await warehouse(api), body: { items } });
const stock = async (sku: string) => {
  const { body } = await api.request('GET', `/products/${sku}`, { token: await ops(api) });
  return { available: body.available, reserved: body.reserved, sold: body.sold, writtenOff: body.writtenOff };
};

describe('returns', () => {
  it('runs from request to refund: resellable units back to stock, the refund on the order', async () => {
    const { orderId, sku } = await delivered('ret-happy');
    const key = randomUUID();
    const requested = await requestReturn('ret-happy', orderId, [{ sku, quantity: 1, reason: 'NO_LONGER_NEEDED' }], key);
    expect(requested.status).toBe(201);
    expect(requested.body).toMatchObject({ orderId, status: 'REQUESTED', items: [{ sku, quantity: 1, reason: 'NO_LONGER_NEEDED' }], note: 'too big', refundMinor: 0 });
    expect(requested.body.returnId).toMatch(/^ret_[0-9A-F]{26}$/);
    const replay = await requestReturn('ret-happy', orderId, [{ sku, quantity: 1, reason: 'NO_LONGER_NEEDED' }], key);
    expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body.returnId]).toEqual([201, 'true', requested.body.returnId]);
    const reused = await requestReturn('ret-happy', orderId, [{ sku, quantity: 2, reason: 'OTHER' }], key);
    expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);

    const queue = await api.request('GET', '/ops/returns?status=REQUESTED', { token: await ops(api) });
    expect(queue.body.items.map((r: { returnId: string }) => r.returnId)).toContain(requested.body.returnId);
    const approved = await approve(requested.body.returnId);
    expect([approved.status, approved.body.status]).toEqual([200, 'APPROVED']);
    const expected = await api.request('GET', '/warehouse/returns', { token: await warehouse(api) });
    expect(expected.body.items.map((r: { returnId: string }) => r.returnId)).toContain(requested.body.returnId);

    const received = await receive(requested.body.returnId, [{ sku, quantity: 1, condition: 'RESELLABLE' }]);
    expect(received.body).toMatchObject({ status: 'REFUNDED', refundMinor: 1999 });
    expect(received.body.history.map((h: { status: string }) => h.status)).toEqual(['REQUESTED', 'APPROVED', 'RECEIVED', 'REFUNDED']);
    const order = await getOrder(api, 'ret-happy', orderId);
    expect(order.status).toBe('DELIVERED');
    expect(order.payment).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedMinor: 1999, refunds: [{ reason: 'RETURN', amountMinor: 1999, status: 'SUCCEEDED' }] });
    expect(order.items[0]).toMatchObject({ quantity: 2, refundedQuantity: 1 });
    expect(await stock(sku)).toEqual({ available: 4, reserved: 0, sold: 1, writtenOff: 0 });
    // Repeating the receipt refunds nothing more.
    expect((await receive(requested.body.returnId, [{ sku, quantity: 1, condition: 'RESELLABLE' }])).body.status).toBe('REFUNDED');
    expect(api.stack.sandbox.payments.get(order.payment.paymentId)?.refunds).toHaveLength(1);
    const listed = await api.request('GET', `/orders/${orderId}/returns`, { token: await api.token('ret-happy') });
    expect(listed.body.items).toHaveLength(1);
    // Its workflow waited for the goods, then for the refund, and ended.
    const execution = await eventually(async () => {
      const found = api.stack.stepFunctions.executions.get(requested.body.returnId);
      return found?.status === 'SUCCEEDED' ? found : null;
    });
    const entered = execution.history.flatMap((event) => {
      const details = (event as unknown as { stateEnteredEventDetails?: { name: string } }).stateEnteredEventDetails;
      return details ? [details.name] : [];
    });
    expect(entered).toEqual(['AwaitGoods', 'Refund', 'Refunded']);
  });

  it('writes damaged units off and refunds only what arrived; the rest is returnable again', async () => {
    const { orderId, sku } = await delivered('ret-damaged', 3);
    const { body } = await requestReturn('ret-damaged', orderId, [{ sku, quantity: 3, reason: 'DAMAGED' }]);
    await approve(body.returnId);
    const received = await receive(body.returnId, [{ sku, quantity: 1, condition: 'DAMAGED' }]);
    expect(received.body).toMatchObject({ status: 'REFUNDED', refundMinor: 1999 });
    expect(await stock(sku)).toEqual({ available: 2, reserved: 0, sold: 2, writtenOff: 1 });
    // Two units did not arrive: they can be returned again.
    const again = await requestReturn('ret-damaged', orderId, [{ sku, quantity: 2, reason: 'OTHER' }]);
    expect(again.status).toBe(201);
    const over = await requestReturn('ret-damaged', orderId, [{ sku, quantity: 1, reason: 'OTHER' }]);
    expect([over.status, over.body.code, over.body.errors]).toEqual([422, 'RETURN_QUANTITY_EXCEEDED', [{ sku, requested: 1, returnable: 0 }]]);
  });

  it('refuses what API.md refuses, with its codes', async () => {
    const sku = await product(api, 2);
    const placed = await placeOrder(api, 'ret-early', [{ sku, quantity: 1 }]);
    await pay(api, 'ret-early', placed.body.orderId);
    const early = await requestReturn('ret-early', placed.body.orderId, [{ sku, quantity: 1, reason: 'OTHER' }]);
    expect([early.status, early.body.code]).toEqual([409, 'INVALID_STATE']);

    const { orderId, sku: bought } = await delivered('ret-refusals');
    const tooMany = await requestReturn('ret-refusals', orderId, [{ sku: bought, quantity: 3, reason: 'OTHER' }]);
    expect([tooMany.status, tooMany.body.code, tooMany.body.errors]).toEqual([422, 'RETURN_QUANTITY_EXCEEDED', [{ sku: bought, requested: 3, returnable: 2 }]]);
    const keyless = await api.request('POST', `/orders/${orderId}/returns`, { token: await api.token('ret-refusals'), body: { items: [{ sku: bought, quantity: 1, reason: 'OTHER' }] } });
    expect([keyless.status, keyless.body.code]).toEqual([400, 'VALIDATION_ERROR']);
    const stranger = await requestReturn('someone-else', orderId, [{ sku: bought, quantity: 1, reason: 'OTHER' }]);
    expect(stranger.status).toBe(404);
    const { body } = await requestReturn('ret-refusals', orderId, [{ sku: bought, quantity: 2, reason: 'OTHER' }]);
    expect((await api.request('POST', `/ops/returns/${body.returnId}/approve`, { token: await warehouse(api), body: {} })).status).toBe(403);
    const notYet = await receive(body.returnId, [{ sku: bought, quantity: 1, condition: 'RESELLABLE' }]);
    expect([notYet.status, notYet.body.code]).toEqual([409, 'INVALID_STATE']);
    const rejected = await api.request('POST', `/ops/returns/${body.returnId}/reject`, { token: await ops(api), body: { note: 'used' } });
    expect(rejected.body).toMatchObject({ status: 'REJECTED', note: 'used' });
    expect((await approve(body.returnId)).body.code).toBe('INVALID_STATE');
    // A rejected return gives its units back.
    expect((await requestReturn('ret-refusals', orderId, [{ sku: bought, quantity: 2, reason: 'OTHER' }])).status).toBe(201);
  });

  it('closes the window RETURN_WINDOW_SECONDS after delivery', async () => {
    const { orderId, sku } = await delivered('ret-late', 1);
    const order = await getOrder(api, 'ret-late', orderId);
    const deliveredAt = Date.parse(order.history.find((h: { status: string }) => h.status === 'DELIVERED').at);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, deliveredAt + 20_500 - Date.now())));
    const late = await requestReturn('ret-late', orderId, [{ sku, quantity: 1, reason: 'OTHER' }]);
    expect([late.status, late.body.code]).toEqual([409, 'RETURN_WINDOW_CLOSED']);
  }, 40_000);

  it('lets only one of two returns racing for the last units succeed', async () => {
    const { orderId, sku } = await delivered('ret-race', 1);
    const replies = await Promise.all([1, 2, 3].map(() => requestReturn('ret-race', orderId, [{ sku, quantity: 1, reason: 'OTHER' }])));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 422, 422]);
  });

  it('expires an approved return when nothing arrives (its own workflow), and a receipt racing the expiry leaves one outcome', async () => {
    const { orderId, sku } = await delivered('ret-expiry');
    const { body } = await requestReturn('ret-expiry', orderId, [{ sku, quantity: 1, reason: 'OTHER' }]);
    await approve(body.returnId);
    const returnOf = async (returnId: string) =>
      (await api.request('GET', `/orders/${orderId}/returns`, { token: await api.token('ret-expiry') })).body.items.find((r: { returnId: string }) => r.returnId === returnId);
    // The return's workflow waits RETURN_SHIP_BY_SECONDS for the goods, then expires it.
    await eventually(async () => ((await returnOf(body.returnId)).status === 'EXPIRED' ? true : null), 15_000);
    await eventually(async () => (api.stack.stepFunctions.executions.get(body.returnId)?.status === 'SUCCEEDED' ? true : null));
    expect(api.stack.stepFunctions.executions.get(body.returnId)?.executionArn).toMatch(/:execution:ReturnLifecycle:ret_/);
    const late = await receive(body.returnId, [{ sku, quantity: 1, condition: 'RESELLABLE' }]);
    expect([late.status, late.body.code]).toEqual([409, 'INVALID_STATE']);
    // Its units are returnable again.
    const second = await requestReturn('ret-expiry', orderId, [{ sku, quantity: 2, reason: 'OTHER' }]);
    expect(second.status).toBe(201);
    await approve(second.body.returnId);
    await new Promise((resolve) => setTimeout(resolve, 1950));
    const received = await receive(second.body.returnId, [{ sku, quantity: 2, condition: 'RESELLABLE' }]);
    await eventually(async () => (api.stack.stepFunctions.executions.get(second.body.returnId)?.status === 'SUCCEEDED' ? true : null), 15_000);
    const final = await returnOf(second.body.returnId);
    if (final.status === 'EXPIRED') {
      expect(received.status).toBe(409);
      expect(await stock(sku)).toEqual({ available: 3, reserved: 0, sold: 2, writtenOff: 0 });
    } else {
      expect(final.status).toBe('REFUNDED');
      expect(await stock(sku)).toEqual({ available: 5, reserved: 0, sold: 0, writtenOff: 0 });
      expect((await getOrder(api, 'ret-expiry', orderId)).payment).toMatchObject({ status: 'REFUNDED', refundedMinor: 3998 });
    }
  });
});
