/** Deadlines: an unpaid order times out and releases its stock; a delivered one completes by itself. */
import { describe, expect, it } from 'vitest';
import { eventually, useLocalStack } from '../helpers/local-stack.js';
import { deliver, getOrder, pay, paymentIdOf, pickAndShip, placeOrder, product, stockOf, waitForStatus } from '../helpers/shop.js';

const api = useLocalStack({ env: { PAYMENT_TIMEOUT_SECONDS: '3', AUTO_CONFIRM_SECONDS: '2', DELIVERY_TIMEOUT_SECONDS: '4', DUE_SWEEP_INTERVAL_SECONDS: '1' }, visibilityTimeoutSeconds: 1, streamRetryAttempts: 2 });

describe('deadlines', () => {
  it('cancels an unpaid order at PAYMENT_TIMEOUT_SECONDS: payment closed at the provider first, stock released; it can no longer be paid', async () => {
    const sku = await product(api, 5);
    const placed = await placeOrder(api, 'tim', [{ sku, quantity: 2 }]);
    const deadline = Date.parse(placed.body.paymentDeadline) - Date.parse(placed.body.createdAt);
    expect(deadline).toBe(3000);
    const paymentId = await paymentIdOf(api, 'tim', placed.body.orderId);
    expect(await stockOf(api, sku)).toEqual({ available: 3, reserved: 2, sold: 0 });

    const cancelled = await waitForStatus(api, 'tim', placed.body.orderId, 'CANCELLED', 15_000);
    expect(cancelled.cancellation.reason).toBe('PAYMENT_TIMEOUT');
    expect(cancelled.history.at(-1)).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_TIMEOUT' });
    expect(cancelled.payment).toMatchObject({ paymentId, status: 'CLOSED', paidAt: null });
    expect(api.stack.sandbox.payments.get(paymentId)?.status).toBe('CLOSED');
    expect(await stockOf(api, sku)).toEqual({ available: 5, reserved: 0, sold: 0 });

    // The customer tries to pay after all: the provider refuses a closed payment.
    const late = await api.request('POST', `/sandbox/payments/${paymentId}/succeed`);
    expect([late.status, late.body.code]).toEqual([409, 'INVALID_STATE']);
    expect((await getOrder(api, 'tim', placed.body.orderId)).payment.status).toBe('CLOSED');
  });

  it('a paid order whose workflow signal is given up (parked after its retries) resumes at the payment deadline', async () => {
    const sku = await product(api, 5);
    const placed = await placeOrder(api, 'pia', [{ sku, quantity: 1 }]);
    const orderId: string = placed.body.orderId;
    const paymentId = await paymentIdOf(api, 'pia', orderId);
    // Step Functions refuses every answer to this order's payment task.
    api.stack.stepFunctions.faults.failSignals.set(`${orderId}/AwaitPayment`, Number.MAX_SAFE_INTEGER);
    try {
      expect((await api.request('POST', `/sandbox/payments/${paymentId}/succeed`)).status).toBe(200);
      await eventually(async () => (api.stack.parkedChanges.workflowDriver ?? []).some((r) => r.eventName === 'MODIFY' && r.dynamodb?.Keys?.pk?.S === `ORDER#${orderId}`), 15_000, 'the signal to be parked');
      // The task times out; compensation finds the order paid and the workflow resumes at picking.
      const picking = await waitForStatus(api, 'pia', orderId, 'PICKING', 15_000);
      expect(picking.history.map((h: { status: string }) => h.status)).toEqual(['PENDING_PAYMENT', 'PAID', 'PICKING']);
      expect(picking.payment).toMatchObject({ paymentId, status: 'SUCCEEDED', refunds: [] });
      expect(await stockOf(api, sku)).toEqual({ available: 4, reserved: 0, sold: 1 });
    } finally {
      api.stack.stepFunctions.faults.failSignals.delete(`${orderId}/AwaitPayment`);
    }
  });

  it('a payment made but never notified is found at the deadline: the order is paid, not cancelled', async () => {
    const sku = await product(api, 5);
    const placed = await placeOrder(api, 'lou', [{ sku, quantity: 1 }]);
    const paymentId = await paymentIdOf(api, 'lou', placed.body.orderId);
    // Paid at the provider; the notification is lost.
    expect((await api.request('POST', `/sandbox/payments/${paymentId}/succeed`, { body: { notify: false } })).status).toBe(200);
    const picking = await waitForStatus(api, 'lou', placed.body.orderId, 'PICKING', 15_000);
    expect(picking.payment).toMatchObject({ paymentId, status: 'SUCCEEDED', refunds: [] });
    expect(picking.history.map((h: { status: string }) => h.status)).toEqual(['PENDING_PAYMENT', 'PAID', 'PICKING']);
    expect(api.stack.sandbox.payments.get(paymentId)?.status).toBe('SUCCEEDED');
    expect(await stockOf(api, sku)).toEqual({ available: 4, reserved: 0, sold: 1 });
  });

  it('a late payment that was never closed (the failed attempt, then a success) is refunded; the order stays cancelled', async () => {
    const sku = await product(api, 5);
    const placed = await placeOrder(api, 'liv', [{ sku, quantity: 1 }]);
    const paymentId = await paymentIdOf(api, 'liv', placed.body.orderId);
    expect((await api.request('POST', `/sandbox/payments/${paymentId}/fail`)).body.delivered.status).toBe(200);
    await waitForStatus(api, 'liv', placed.body.orderId, 'CANCELLED');
    const late = await api.request('POST', `/sandbox/payments/${paymentId}/succeed`);
    expect(late.body.delivered.status).toBe(200);
    const after = await eventually(async () => {
      const order = await getOrder(api, 'liv', placed.body.orderId);
      return order.payment.status === 'REFUNDED' ? order : null;
    });
    expect(after.status).toBe('CANCELLED');
    expect(after.payment.refunds).toMatchObject([{ reason: 'LATE_PAYMENT', status: 'SUCCEEDED' }]);
    expect(api.stack.sandbox.payments.get(paymentId)?.refunds).toHaveLength(1);
    expect(await stockOf(api, sku)).toEqual({ available: 5, reserved: 0, sold: 0 });
  });

  it('ends the execution at the hand-over; completes a delivered, unconfirmed order after AUTO_CONFIRM_SECONDS', async () => {
    const sku = await product(api, 5);
    const { body } = await placeOrder(api, 'uma', [{ sku, quantity: 1 }]);
    await pay(api, 'uma', body.orderId);
    const shipped = await pickAndShip(api, 'uma', body.orderId);
    // No execution stays open through transit and the receipt wait.
    const execution = await eventually(async () => {
      const found = api.stack.stepFunctions.executions.get(body.orderId);
      return found?.status === 'SUCCEEDED' ? found : null;
    });
    expect(execution.status).toBe('SUCCEEDED');
    await deliver(api, 'uma', body.orderId, shipped.shipment.trackingNumber);
    const delivered = await getOrder(api, 'uma', body.orderId);
    expect(delivered.status).toBe('DELIVERED');
    // The due-orders sweeper completes it at its receipt deadline (2 s), not before.
    const completed = await waitForStatus(api, 'uma', body.orderId, 'COMPLETED', 15_000);
    expect(Date.parse(completed.history.at(-1).at) - Date.parse(completed.history.at(-2).at)).toBeGreaterThanOrEqual(2_000);
    expect(completed.history.map((h: { status: string }) => h.status)).toEqual(['PENDING_PAYMENT', 'PAID', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED', 'COMPLETED']);
    expect(await stockOf(api, sku)).toEqual({ available: 4, reserved: 0, sold: 1 });
  });

  it('completes a shipped order the carrier never reports delivered at DELIVERY_TIMEOUT_SECONDS; a confirmation first wins', async () => {
    const sku = await product(api, 5);
    const quiet = (await placeOrder(api, 'vic', [{ sku, quantity: 1 }])).body.orderId as string;
    const confirmed = (await placeOrder(api, 'vic', [{ sku, quantity: 1 }])).body.orderId as string;
    for (const orderId of [quiet, confirmed]) {
      await pay(api, 'vic', orderId);
      await pickAndShip(api, 'vic', orderId);
    }
    expect((await api.request('POST', `/orders/${confirmed}/confirm-receipt`, { token: await api.token('vic') })).status).toBe(200);
    const done = await waitForStatus(api, 'vic', quiet, 'COMPLETED', 15_000);
    expect(done.history.map((h: { status: string }) => h.status).slice(-2)).toEqual(['SHIPPED', 'COMPLETED']);
    expect(Date.parse(done.history.at(-1).at) - Date.parse(done.history.at(-2).at)).toBeGreaterThanOrEqual(4_000);
    // Completed once each: the confirmed order was not completed again by the sweeper.
    const other = await getOrder(api, 'vic', confirmed);
    expect(other.history.filter((h: { status: string }) => h.status === 'COMPLETED')).toHaveLength(1);
  });
});
