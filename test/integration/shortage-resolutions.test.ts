/**
 * Shortage resolutions (API.md "Warehouse"): SHIP_AVAILABLE refunds the missing units and
 * ships the rest; nothing found cancels instead; SHORTAGE_RESOLUTION is the default.
 */
import { describe, expect, it } from 'vitest';
import { eventually, useLocalStack } from '../helpers/local-stack.js';
import { getOrder, ops, pay, placeOrder, product, warehouse, waitForStatus } from '../helpers/shop.js';

const api = useLocalStack({ env: { SHORTAGE_RESOLUTION: 'SHIP_AVAILABLE', PICKING_TIMEOUT_SECONDS: '10' } }, { validateResponses: true });

async function ledger(sku: string) {
  const { body } = await api.request('GET', `/products/${sku}`, { token: await ops(api) });
  return { available: body.available, reserved: body.reserved, sold: body.sold, writtenOff: body.writtenOff, backordered: body.backordered };
}

async function pickingOrder(customer: string) {
  const tea = await product(api, 5, 1999);
  const cup = await product(api, 5, 999);
  const placed = await placeOrder(api, customer, [
    { sku: tea, quantity: 2, unitPriceMinor: 1999 },
    { sku: cup, quantity: 1, unitPriceMinor: 999 },
  ]);
  await pay(api, customer, placed.body.orderId);
  return { orderId: placed.body.orderId as string, tea, cup };
}

const report = async (orderId: string, body: unknown) => api.request('POST', `/warehouse/tasks/${orderId}/shortage`, { token: await warehouse(api), body });

describe('shortage resolutions', () => {
  it('SHIP_AVAILABLE (the configured default): the missing units are written off and refunded, the rest ships', async () => {
    const { orderId, tea, cup } = await pickingOrder('short-ship');
    const reply = await report(orderId, { items: [{ sku: tea, missing: 1 }] });
    expect(reply.status).toBe(202);
    expect(['PACKED', 'SHIPPED']).toContain(reply.body.status);
    const shipped = await waitForStatus(api, 'short-ship', orderId, 'SHIPPED');
    expect(shipped.fulfilment).toEqual({ shortages: [{ sku: tea, missing: 1 }], resolution: 'SHIP_AVAILABLE', backorderedSince: null });
    expect(shipped.items.find((l: { sku: string }) => l.sku === tea)).toMatchObject({ quantity: 2, refundedQuantity: 1 });
    expect(shipped.items.find((l: { sku: string }) => l.sku === cup)).not.toHaveProperty('refundedQuantity');
    const paid = await eventually(async () => {
      const order = await getOrder(api, 'short-ship', orderId);
      return order.payment.refunds[0]?.status === 'SUCCEEDED' ? order : null;
    });
    expect(paid.payment).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedMinor: 1999, refunds: [{ reason: 'SHORTAGE', amountMinor: 1999 }] });
    expect(await ledger(tea)).toEqual({ available: 3, reserved: 0, sold: 1, writtenOff: 1, backordered: 0 });
    expect(await ledger(cup)).toEqual({ available: 4, reserved: 0, sold: 1, writtenOff: 0, backordered: 0 });
    // Repeating the report is harmless: nothing more is refunded or written off.
    expect((await report(orderId, { items: [{ sku: tea, missing: 1 }] })).status).toBe(202);
    expect(api.stack.sandbox.payments.get(paid.payment.paymentId)?.refunds).toHaveLength(1);
    expect(await ledger(tea)).toEqual({ available: 3, reserved: 0, sold: 1, writtenOff: 1, backordered: 0 });
  });

  it('SHIP_AVAILABLE, then an operator cancels the PACKED order: only the units it still holds go back to stock', async () => {
    const { orderId, tea, cup } = await pickingOrder('short-then-cancel');
    // Hold the stages, so the order stays PACKED (no carrier booked) while the operator decides.
    api.stack.consumers.hold();
    try {
      const reply = await report(orderId, { items: [{ sku: tea, missing: 1 }] });
      expect([reply.status, reply.body.status]).toEqual([202, 'PACKED']);
      const cancelled = await api.request('POST', `/ops/orders/${orderId}/cancel`, { token: await ops(api), body: {} });
      expect([cancelled.status, cancelled.body.status], JSON.stringify(cancelled.body)).toEqual([202, 'CANCELLED']);
    } finally {
      api.stack.consumers.release();
    }
    // Of the two teas, one was written off by the shortage; the other goes back. Nothing is sold.
    expect(await ledger(tea)).toEqual({ available: 4, reserved: 0, sold: 0, writtenOff: 1, backordered: 0 });
    expect(await ledger(cup)).toEqual({ available: 5, reserved: 0, sold: 0, writtenOff: 0, backordered: 0 });
  });

  it('SHIP_AVAILABLE with nothing found cancels the order and refunds it whole', async () => {
    const { orderId, tea, cup } = await pickingOrder('short-none');
    const reply = await report(orderId, { items: [{ sku: tea, missing: 2 }, { sku: cup, missing: 1 }], resolution: 'SHIP_AVAILABLE' });
    expect([reply.status, reply.body.status]).toEqual([202, 'CANCELLED']);
    const cancelled = await eventually(async () => {
      const order = await getOrder(api, 'short-none', orderId);
      return order.payment.status === 'REFUNDED' ? order : null;
    });
    expect(cancelled).toMatchObject({ status: 'CANCELLED', cancellation: { reason: 'OUT_OF_STOCK' } });
    expect(await ledger(tea)).toEqual({ available: 3, reserved: 0, sold: 0, writtenOff: 2, backordered: 0 });
  });

  it('CANCEL_ORDER named in the report overrides the default', async () => {
    const { orderId, tea } = await pickingOrder('short-cancel');
    const reply = await report(orderId, { items: [{ sku: tea, missing: 1 }], resolution: 'CANCEL_ORDER' });
    expect([reply.status, reply.body.status]).toEqual([202, 'CANCELLED']);
    const cancelled = await waitForStatus(api, 'short-cancel', orderId, 'CANCELLED');
    expect(cancelled.fulfilment.resolution).toBe('CANCEL_ORDER');
    expect(await eventually(async () => ((await ledger(tea)).available === 4 ? ledger(tea) : null))).toEqual({ available: 4, reserved: 0, sold: 0, writtenOff: 1, backordered: 0 });
  });

  it('a shortage racing the pick completion: exactly one takes effect, and the stock ledger balances', async () => {
    const { orderId, tea, cup } = await pickingOrder('short-race');
    const token = await warehouse(api);
    const [done, short] = await Promise.all([
      api.request('POST', `/warehouse/tasks/${orderId}/complete`, { token, body: {} }),
      api.request('POST', `/warehouse/tasks/${orderId}/shortage`, { token, body: { items: [{ sku: tea, missing: 1 }] } }),
    ]);
    const shipped = await waitForStatus(api, 'short-race', orderId, 'SHIPPED');
    const teaStock = await ledger(tea);
    if (shipped.fulfilment.resolution === 'SHIP_AVAILABLE') {
      expect(short.status).toBe(202);
      expect(teaStock).toEqual({ available: 3, reserved: 0, sold: 1, writtenOff: 1, backordered: 0 });
    } else {
      expect(done.status).toBe(200);
      expect(short.status).toBe(409);
      expect(teaStock).toEqual({ available: 3, reserved: 0, sold: 2, writtenOff: 0, backordered: 0 });
      expect(shipped.payment.refunds).toEqual([]);
    }
    expect(await ledger(cup)).toEqual({ available: 4, reserved: 0, sold: 1, writtenOff: 0, backordered: 0 });
  });

  it('refuses what it must: a shortage beyond the line, an unknown resolution, an order not picking', async () => {
    const { orderId, tea } = await pickingOrder('short-refused');
    expect((await report(orderId, { items: [{ sku: tea, missing: 3 }] })).status).toBe(400);
    expect((await report(orderId, { items: [{ sku: tea, missing: 1 }], resolution: 'LATER' })).status).toBe(400);
    expect((await api.request('POST', `/warehouse/tasks/${orderId}/complete`, { token: await warehouse(api), body: {} })).status).toBe(200);
    await waitForStatus(api, 'short-refused', orderId, 'SHIPPED');
    const late = await report(orderId, { items: [{ sku: tea, missing: 1 }] });
    expect([late.status, late.body.code]).toEqual([409, 'INVALID_STATE']);
  });

  it('WAIT_FOR_RESTOCK: the order waits off the task list; restocks serve it before anyone else, then its task reopens', async () => {
    const { orderId, tea } = await pickingOrder('short-wait');
    const reply = await report(orderId, { items: [{ sku: tea, missing: 2 }], resolution: 'WAIT_FOR_RESTOCK' });
    expect([reply.status, reply.body.status]).toEqual([202, 'PICKING']);
    const waiting = await getOrder(api, 'short-wait', orderId);
    expect(waiting.fulfilment).toMatchObject({ shortages: [{ sku: tea, missing: 2 }], resolution: 'WAIT_FOR_RESTOCK' });
    expect(Date.parse(waiting.fulfilment.backorderedSince)).toBeGreaterThan(0);
    expect(await ledger(tea)).toEqual({ available: 3, reserved: 0, sold: 0, writtenOff: 2, backordered: 2 });
    const tasks = async () => (await api.request('GET', '/warehouse/tasks?limit=100', { token: await warehouse(api) })).body.items.map((t: { orderId: string }) => t.orderId);
    expect(await tasks()).not.toContain(orderId);
    expect((await api.request('POST', `/warehouse/tasks/${orderId}/complete`, { token: await warehouse(api), body: {} })).status).toBe(409);

    // The remaining three are taken by someone else; then a restock races a new order for two.
    await placeOrder(api, 'short-wait-other', [{ sku: tea, quantity: 3 }]);
    const restock = async (quantity: number) => api.request('POST', `/products/${tea}/restock`, { token: await ops(api), body: { quantity } });
    const [restocked, rival] = await Promise.all([restock(2), placeOrder(api, 'short-wait-rival', [{ sku: tea, quantity: 2 }])]);
    expect(restocked.status).toBe(200);
    expect(rival.status).toBe(409); // the waiting order is owed those units
    expect(await ledger(tea)).toEqual({ available: 0, reserved: 3, sold: 2, writtenOff: 2, backordered: 0 });
    expect(await eventually(async () => ((await tasks()).includes(orderId) ? true : null))).toBe(true);
    expect((await api.request('POST', `/warehouse/tasks/${orderId}/complete`, { token: await warehouse(api), body: {} })).status).toBe(200);
    const shipped = await waitForStatus(api, 'short-wait', orderId, 'SHIPPED');
    expect(shipped.fulfilment.resolution).toBe('WAIT_FOR_RESTOCK');
    expect(shipped.payment.refunds).toEqual([]);
  });

  it('WAIT_FOR_RESTOCK serves the oldest waiting order first, and the picking deadline cancels one never served', async () => {
    const first = await pickingOrder('short-first');
    const cup = first.cup;
    await report(first.orderId, { items: [{ sku: cup, missing: 1 }], resolution: 'WAIT_FOR_RESTOCK' });
    const second = await placeOrder(api, 'short-second', [{ sku: cup, quantity: 1, unitPriceMinor: 999 }]);
    await pay(api, 'short-second', second.body.orderId);
    await report(second.body.orderId, { items: [{ sku: cup, missing: 1 }], resolution: 'WAIT_FOR_RESTOCK' });
    expect((await ledger(cup)).backordered).toBe(2);
    // Drain what is available, so the restock of one is all there is.
    await placeOrder(api, 'short-drain', [{ sku: cup, quantity: (await ledger(cup)).available, unitPriceMinor: 999 }]);
    await api.request('POST', `/products/${cup}/restock`, { token: await ops(api), body: { quantity: 1 } });
    expect((await getOrder(api, 'short-first', first.orderId)).backorder).toBeUndefined(); // internal, never shown
    const tasks = (await api.request('GET', '/warehouse/tasks?limit=100', { token: await warehouse(api) })).body.items.map((t: { orderId: string }) => t.orderId);
    expect(tasks).toContain(first.orderId);
    expect(tasks).not.toContain(second.body.orderId);
    // The second order is never served: its picking deadline cancels and refunds it, and it is owed nothing any more.
    const cancelled = await waitForStatus(api, 'short-second', second.body.orderId, 'CANCELLED', 20_000);
    expect(cancelled.cancellation.reason).toBe('OUT_OF_STOCK');
    await eventually(async () => ((await getOrder(api, 'short-second', second.body.orderId)).payment.status === 'REFUNDED' ? true : null));
    expect((await ledger(cup)).backordered).toBe(0);
    await api.request('POST', `/warehouse/tasks/${first.orderId}/complete`, { token: await warehouse(api), body: {} });
  }, 40_000);
});
