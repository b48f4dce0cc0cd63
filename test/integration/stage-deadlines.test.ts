/** Picking and shipping deadlines: what happens when the warehouse or the carrier never answers. */
import { describe, expect, it } from 'vitest';
import { eventually, useLocalStack } from '../helpers/local-stack.js';
import { getOrder, ops, pay, placeOrder, product, stockOf, warehouse, waitForRefunded, waitForStatus } from '../helpers/shop.js';

const api = useLocalStack({ env: { PICKING_TIMEOUT_SECONDS: '2', SHIPPING_TIMEOUT_SECONDS: '1' }, visibilityTimeoutSeconds: 1 });

describe('stage deadlines', () => {
  it('a pick task not completed by PICKING_TIMEOUT_SECONDS cancels the order as OUT_OF_STOCK, refunded, stock back', async () => {
    const sku = await product(api, 4);
    const { body } = await placeOrder(api, 'pia', [{ sku, quantity: 2 }]);
    const picking = await pay(api, 'pia', body.orderId);
    const cancelled = await waitForRefunded(api, 'pia', body.orderId, 15_000);
    expect(cancelled.cancellation.reason).toBe('OUT_OF_STOCK');
    expect(cancelled.payment.status).toBe('REFUNDED');
    expect(api.stack.sandbox.payments.get(picking.payment.paymentId)?.refunds).toHaveLength(1);
    // Nothing was counted missing, so nothing is written off.
    expect(await stockOf(api, sku)).toEqual({ available: 4, reserved: 0, sold: 0 });
    const tasks = await api.request('GET', '/warehouse/tasks', { token: await warehouse(api) });
    expect(tasks.body.items.map((t: { orderId: string }) => t.orderId)).not.toContain(body.orderId);
  });

  it('a pick completed as the picking deadline fires: shipped, or cancelled and refunded, never stranded PACKED', async () => {
    const sku = await product(api, 20);
    const token = await warehouse(api);
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const customer = `edge-${i}`;
        const { body } = await placeOrder(api, customer, [{ sku, quantity: 1 }]);
        await pay(api, customer, body.orderId);
        const deadline = api.stack.stepFunctions.openTasks(body.orderId).find((t) => t.state === 'Picking')?.deadlineAt ?? Date.now() + 2000;
        // Spread around the deadline: some just before, some just after.
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now() + (i - 4) * 60)));
        const reply = await api.request('POST', `/warehouse/tasks/${body.orderId}/complete`, { token });
        expect([200, 409]).toContain(reply.status);
        const order = await eventually(async () => {
          const current = await getOrder(api, customer, body.orderId);
          const settled = current.status === 'SHIPPED' || (current.status === 'CANCELLED' && current.payment.status === 'REFUNDED');
          return settled ? current : null;
        }, 20_000, `order ${body.orderId} to ship or be refunded`);
        // The pick was accepted exactly when the order went on.
        expect(order.status === 'SHIPPED').toBe(reply.status === 200);
        return order.status as string;
      }),
    );
    const shipped = outcomes.filter((s) => s === 'SHIPPED').length;
    await eventually(async () => (await stockOf(api, sku)).sold === shipped);
    expect(await stockOf(api, sku)).toEqual({ available: 20 - shipped, reserved: 0, sold: shipped });
  });

  it('a carrier that cannot be booked by SHIPPING_TIMEOUT_SECONDS (after 3 retries) leaves the order PACKED and the execution failed for an operator, whose retry resumes shipping', async () => {
    const sku = await product(api, 4);
    const { body } = await placeOrder(api, 'sam', [{ sku, quantity: 1 }]);
    await pay(api, 'sam', body.orderId);
    api.stack.sandbox.carrierDown = true;
    try {
      const reply = await api.request('POST', `/warehouse/tasks/${body.orderId}/complete`, { token: await warehouse(api) });
      expect(reply.status).toBe(200);
      const execution = await eventually(async () => {
        const found = api.stack.stepFunctions.executions.get(body.orderId);
        return found && found.status !== 'RUNNING' ? found : null;
      }, 30_000, 'the execution to stop');
      expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
      const order = await getOrder(api, 'sam', body.orderId);
      expect(order.status).toBe('PACKED');
      expect(order.shipment).toBeNull();
      // Paid goods stay sold: an operator resumes the order once the carrier is back, or cancels it.
      expect(await stockOf(api, sku)).toEqual({ available: 3, reserved: 0, sold: 1 });
      const stuck = await api.request('GET', '/ops/stuck-orders', { token: await ops(api) });
      expect(stuck.body.items).toContainEqual(expect.objectContaining({ orderId: body.orderId, status: 'PACKED', problem: 'EXECUTION_FAILED', executionStatus: 'FAILED' }));
    } finally {
      api.stack.sandbox.carrierDown = false;
    }
    // The operator's retry: the execution goes on from Shipping (RedriveExecution), not from the start.
    const retry = await api.request('POST', `/ops/orders/${body.orderId}/retry`, { token: await ops(api) });
    expect([retry.status, retry.body]).toEqual([202, { orderId: body.orderId, action: 'redriven' }]);
    const shipped = await waitForStatus(api, 'sam', body.orderId, 'SHIPPED', 20_000);
    expect(shipped.shipment).toMatchObject({ carrier: 'sandbox' });
    // Redriven from Shipping, the execution ends at the hand-over like any other.
    const execution = await eventually(async () => {
      const found = api.stack.stepFunctions.executions.get(body.orderId)!;
      return found.status === 'SUCCEEDED' ? found : null;
    }, 10_000, 'the redriven execution to end at the hand-over');
    expect(execution.history.filter((e) => e.type === 'ExecutionRedriven')).toHaveLength(1);
    // Payment and picking ran once: the redrive entered Shipping, not AwaitPayment again.
    const entered = execution.history.filter((e) => e.type.endsWith('StateEntered')).map((e) => (e.stateEnteredEventDetails as { name: string }).name);
    expect(entered.filter((name) => name === 'AwaitPayment')).toHaveLength(1);
    expect(entered.filter((name) => name === 'Shipping').length).toBeGreaterThanOrEqual(2);
    const again = await api.request('POST', `/ops/orders/${body.orderId}/retry`, { token: await ops(api) });
    expect([again.status, again.body.code]).toEqual([409, 'INVALID_STATE']);
  });
});
