/** Unhappy paths that the core lifecycle already handles: cancellation, payment failures, shortage, event disorder. */
import { describe, expect, it } from 'vitest';
import { eventually, useLocalStack } from '../helpers/local-stack.js';
import { getOrder, pay, paymentIdOf, pickAndShip, placeOrder, product, stockOf, waitForStatus, warehouse, waitForRefunded, stockSettles } from '../helpers/shop.js';

const api = useLocalStack();

describe('cancellation', () => {
  it('while PENDING_PAYMENT releases the stock; repeating it is harmless', async () => {
    const sku = await product(api, 4);
    const { body } = await placeOrder(api, 'ann', [{ sku, quantity: 3 }]);
    await paymentIdOf(api, 'ann', body.orderId);
    const token = await api.token('ann');
    const first = await api.request('POST', `/orders/${body.orderId}/cancel`, { token });
    expect(first.status).toBe(202);
    const cancelled = await waitForStatus(api, 'ann', body.orderId, 'CANCELLED');
    expect(cancelled.cancellation.reason).toBe('CUSTOMER_CANCELLED');
    expect(await stockOf(api, sku)).toEqual({ available: 4, reserved: 0, sold: 0 });
    expect((await api.request('POST', `/orders/${body.orderId}/cancel`, { token })).status).toBe(202);
    expect(await stockOf(api, sku)).toEqual({ available: 4, reserved: 0, sold: 0 });
  });

  it('while PICKING refunds the payment, withdraws the pick task and returns the stock', async () => {
    const sku = await product(api, 4);
    const { body } = await placeOrder(api, 'ben', [{ sku, quantity: 2 }]);
    await pay(api, 'ben', body.orderId);
    const reply = await api.request('POST', `/orders/${body.orderId}/cancel`, { token: await api.token('ben') });
    expect(reply.status).toBe(202);
    const cancelled = await waitForRefunded(api, 'ben', body.orderId);
    expect(cancelled.payment.status).toBe('REFUNDED');
    expect(api.stack.sandbox.payments.get(cancelled.payment.paymentId)?.refunds).toHaveLength(1);
    expect(await stockOf(api, sku)).toEqual({ available: 4, reserved: 0, sold: 0 });
    const tasks = await api.request('GET', '/warehouse/tasks', { token: await warehouse(api) });
    expect(tasks.body.items.map((t: { orderId: string }) => t.orderId)).not.toContain(body.orderId);
    const late = await api.request('POST', `/warehouse/tasks/${body.orderId}/complete`, { token: await warehouse(api) });
    expect(late.status).toBe(409);
  });

  it('after packing is 409 INVALID_STATE, by the owner or ops; others get 404', async () => {
    const sku = await product(api, 2);
    const { body } = await placeOrder(api, 'cat', [{ sku, quantity: 1 }]);
    await pay(api, 'cat', body.orderId);
    await pickAndShip(api, 'cat', body.orderId);
    const owner = await api.request('POST', `/orders/${body.orderId}/cancel`, { token: await api.token('cat') });
    expect(owner.status).toBe(409);
    expect(owner.body.code).toBe('INVALID_STATE');
    expect((await api.request('POST', `/orders/${body.orderId}/cancel`, { token: await api.token('operator-1', ['ops']) })).status).toBe(409);
    expect((await api.request('POST', `/orders/${body.orderId}/cancel`, { token: await api.token('eve') })).status).toBe(404);
    expect((await getOrder(api, 'cat', body.orderId)).status).toBe('SHIPPED');
  });
});

describe('a cancel racing a payment', () => {
  it('always ends in one consistent outcome: cancelled, refunded once or closed unpaid, stock whole', async () => {
    const sku = await product(api, 20);
    const orders = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const customer = `racer-${i}`;
        const { body } = await placeOrder(api, customer, [{ sku, quantity: 2 }]);
        const paymentId = await paymentIdOf(api, customer, body.orderId);
        const token = await api.token(customer);
        // Fire both at once; alternate which one leaves first.
        const pay = () => api.request('POST', `/sandbox/payments/${paymentId}/succeed`);
        const cancel = () => api.request('POST', `/orders/${body.orderId}/cancel`, { token });
        const [a, b] = i % 2 ? [pay(), cancel()] : [cancel(), pay()];
        await Promise.all([a, b]);
        return { customer, orderId: body.orderId as string, paymentId };
      }),
    );
    for (const { customer, orderId, paymentId } of orders) {
      // Paid first: refunded once. Cancelled first: the payment was closed and could not be paid.
      const order = await eventually(async () => {
        const current = await getOrder(api, customer, orderId);
        return current.status === 'CANCELLED' && ['REFUNDED', 'CLOSED'].includes(current.payment.status) ? current : null;
      });
      expect(order.cancellation.reason).toBe('CUSTOMER_CANCELLED');
      const held = api.stack.sandbox.payments.get(paymentId)!;
      expect(held.status).toBe(order.payment.status);
      expect(held.refunds).toHaveLength(order.payment.status === 'REFUNDED' ? 1 : 0);
    }
    expect(await stockSettles(api, sku, { available: 20, reserved: 0, sold: 0 })).toEqual({ available: 20, reserved: 0, sold: 0 });
  });
});

describe('payment failures', () => {
  it('payment.failed cancels with PAYMENT_FAILED and releases stock', async () => {
    const sku = await product(api, 3);
    const { body } = await placeOrder(api, 'dan', [{ sku, quantity: 1 }]);
    const paymentId = await paymentIdOf(api, 'dan', body.orderId);
    await api.request('POST', `/sandbox/payments/${paymentId}/fail`);
    const cancelled = await waitForStatus(api, 'dan', body.orderId, 'CANCELLED');
    expect(cancelled.cancellation.reason).toBe('PAYMENT_FAILED');
    expect(await stockOf(api, sku)).toEqual({ available: 3, reserved: 0, sold: 0 });
  });

  it('a payment with the wrong amount is refunded and the order cancelled with PAYMENT_FAILED', async () => {
    const sku = await product(api, 3);
    const { body } = await placeOrder(api, 'fay', [{ sku, quantity: 1 }]);
    const paymentId = await paymentIdOf(api, 'fay', body.orderId);
    await api.request('POST', `/sandbox/payments/${paymentId}/succeed`, { body: { amountMinor: 1 } });
    const cancelled = await waitForStatus(api, 'fay', body.orderId, 'CANCELLED');
    expect(cancelled.cancellation.reason).toBe('PAYMENT_FAILED');
    expect(cancelled.payment.status).toBe('REFUNDED');
    expect(await stockOf(api, sku)).toEqual({ available: 3, reserved: 0, sold: 0 });
  });

  it('a payment.failed after a success changes nothing', async () => {
    const sku = await product(api, 3);
    const { body } = await placeOrder(api, 'gus', [{ sku, quantity: 1 }]);
    const picking = await pay(api, 'gus', body.orderId);
    await api.request('POST', `/sandbox/payments/${picking.payment.paymentId}/fail`);
    const order = await getOrder(api, 'gus', body.orderId);
    expect(order.status).toBe('PICKING');
    expect(order.payment.status).toBe('SUCCEEDED');
    expect(await stockOf(api, sku)).toEqual({ available: 2, reserved: 0, sold: 1 });
  });
});

describe('shortage at picking', () => {
  it('cancels with OUT_OF_STOCK, refunds, writes the missing units off and returns the rest', async () => {
    const sku = await product(api, 5);
    const { body } = await placeOrder(api, 'hal', [{ sku, quantity: 3 }]);
    await pay(api, 'hal', body.orderId);
    const reply = await api.request('POST', `/warehouse/tasks/${body.orderId}/shortage`, { token: await warehouse(api), body: { items: [{ sku, missing: 2 }] } });
    expect(reply.status).toBe(202);
    const cancelled = await waitForRefunded(api, 'hal', body.orderId);
    expect(cancelled.cancellation.reason).toBe('OUT_OF_STOCK');
    expect(cancelled.payment.status).toBe('REFUNDED');
    // 5 stocked: 2 never sold, 1 found and returned, 2 written off.
    expect(await stockOf(api, sku)).toEqual({ available: 3, reserved: 0, sold: 0 });
  });
});

describe('carrier event disorder', () => {
  it('keeps an older event but lets only the latest set the status', async () => {
    const sku = await product(api, 2);
    const { body } = await placeOrder(api, 'ida', [{ sku, quantity: 1 }]);
    await pay(api, 'ida', body.orderId);
    const shipped = await pickAndShip(api, 'ida', body.orderId);
    const tracking = shipped.shipment.trackingNumber;
    await api.request('POST', `/sandbox/shipments/${tracking}/events`, { body: { status: 'IN_TRANSIT', occurredAt: '2030-01-02T00:00:00.000Z' } });
    await api.request('POST', `/sandbox/shipments/${tracking}/events`, { body: { status: 'PICKED_UP', occurredAt: '2030-01-01T00:00:00.000Z' } });
    const order = await getOrder(api, 'ida', body.orderId);
    expect(order.shipment.events).toHaveLength(2);
    expect(order.shipment.status).toBe('IN_TRANSIT');
    expect(order.status).toBe('SHIPPED');
  });
});
