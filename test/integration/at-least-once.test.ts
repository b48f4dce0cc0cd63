/**
 * At-least-once delivery and crashes: every stage message delivered twice, and every
 * callback lost after its database write (the local Step Functions stand-in fails
 * the SendTask* calls of one execution, whoever sends them: the workflow driver from
 * the change stream, or a stage worker). Effects must apply exactly once and every
 * order must still finish.
 */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { signedHeaders } from '../helpers/webhooks.js';
import { DEFAULT_SECRETS } from '../../lib/local/stack.js';
import { eventually, SANDBOX_PAYMENTS, useLocalStack } from '../helpers/local-stack.js';
import { deliver, getOrder, pay, paymentIdOf, pickAndShip, placeOrder, product, stockOf, waitForStatus, warehouse, waitForRefunded, stockSettles } from '../helpers/shop.js';

// Short visibility so that a failed message comes back within a second, as it would after 30 s on AWS.
const api = useLocalStack({ env: SANDBOX_PAYMENTS, visibilityTimeoutSeconds: 1 });
/** The SDK tries each call 3 times: failing 3 calls fails one handler run. */
const ONE_CRASH = 3;

function crashCallbacksOf(orderId: string, state?: string) {
  api.stack.stepFunctions.faults.failSignals.set(state ? `${orderId}/${state}` : orderId, ONE_CRASH);
}

function statuses(order: { history: { status: string }[] }) {
  return order.history.map((h) => h.status);
}

function signedPayment(orderId: string, paymentId: string, webhookId: string) {
  const body = JSON.stringify({ type: 'payment.succeeded', data: { paymentId, orderId, amountMinor: 1999, currency: 'CNY' } });
  return { rawBody: body, headers: signedHeaders(DEFAULT_SECRETS.PAYMENT_WEBHOOK_SECRET, body, { id: webhookId }) };
}

describe('every stage message delivered twice', () => {
  it('still takes an order to COMPLETED with every effect applied once', async () => {
    api.stack.stepFunctions.faults.duplicateMessages = true;
    try {
      const sku = await product(api, 5);
      const { body } = await placeOrder(api, 'dup-1', [{ sku, quantity: 2 }]);
      await pay(api, 'dup-1', body.orderId);
      const shipped = await pickAndShip(api, 'dup-1', body.orderId);
      await deliver(api, 'dup-1', body.orderId, shipped.shipment.trackingNumber);
      await api.request('POST', `/orders/${body.orderId}/confirm-receipt`, { token: await api.token('dup-1') });
      const done = await waitForStatus(api, 'dup-1', body.orderId, 'COMPLETED');
      expect(statuses(done)).toEqual(['PENDING_PAYMENT', 'PAID', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED', 'COMPLETED']);
      expect(await stockOf(api, sku)).toEqual({ available: 3, reserved: 0, sold: 2 });
      const payments = [...api.stack.sandbox.payments.values()].filter((p) => p.orderId === body.orderId);
      const shipments = [...api.stack.sandbox.shipments.values()].filter((s) => s.orderId === body.orderId);
      expect(payments).toHaveLength(1);
      expect(shipments).toHaveLength(1);
    } finally {
      api.stack.stepFunctions.faults.duplicateMessages = false;
    }
  });

  it('cancels and refunds once when the compensation message comes twice', async () => {
    api.stack.stepFunctions.faults.duplicateMessages = true;
    try {
      const sku = await product(api, 5);
      const { body } = await placeOrder(api, 'dup-2', [{ sku, quantity: 2 }]);
      const picking = await pay(api, 'dup-2', body.orderId);
      await api.request('POST', `/orders/${body.orderId}/cancel`, { token: await api.token('dup-2') });
      const cancelled = await waitForRefunded(api, 'dup-2', body.orderId);
      expect(statuses(cancelled)).toEqual(['PENDING_PAYMENT', 'PAID', 'PICKING', 'CANCELLED']);
      expect(api.stack.sandbox.payments.get(picking.payment.paymentId)?.refunds).toHaveLength(1);
      expect(await stockSettles(api, sku, { available: 5, reserved: 0, sold: 0 })).toEqual({ available: 5, reserved: 0, sold: 0 });
    } finally {
      api.stack.stepFunctions.faults.duplicateMessages = false;
    }
  });
});

describe('a crash after the write, before the callback', () => {
  it('payment webhook: answered at once; the lost callback is sent again from the change stream and the order moves on, sold once', async () => {
    const sku = await product(api, 5);
    const { body } = await placeOrder(api, 'crash-1', [{ sku, quantity: 1 }]);
    const paymentId = await paymentIdOf(api, 'crash-1', body.orderId);
    crashCallbacksOf(body.orderId);
    const event = signedPayment(body.orderId, paymentId, 'msg_crash_1');
    // The webhook only writes its decision; the workflow driver answers the task from the change.
    expect((await api.request('POST', '/webhooks/payments/sandbox', event)).status).toBe(200);
    await waitForStatus(api, 'crash-1', body.orderId, 'PICKING');
    expect(api.stack.stepFunctions.faults.failSignals.get(body.orderId)).toBe(0);
    expect(api.stack.parkedChanges.workflowDriver ?? []).toEqual([]);
    expect(await stockOf(api, sku)).toEqual({ available: 4, reserved: 0, sold: 1 });
  });

  it('the same payment reported again under a new event id pays nothing twice', async () => {
    const sku = await product(api, 5);
    const { body } = await placeOrder(api, 'crash-2', [{ sku, quantity: 1 }]);
    const paymentId = await paymentIdOf(api, 'crash-2', body.orderId);
    expect((await api.request('POST', '/webhooks/payments/sandbox', signedPayment(body.orderId, paymentId, 'msg_a'))).status).toBe(200);
    expect((await api.request('POST', '/webhooks/payments/sandbox', signedPayment(body.orderId, paymentId, 'msg_b'))).status).toBe(200);
    const order = await waitForStatus(api, 'crash-2', body.orderId, 'PICKING');
    expect(statuses(order).filter((s) => s === 'PAID')).toHaveLength(1);
    expect(api.stack.sandbox.payments.get(paymentId)?.refunds).toHaveLength(0);
    expect(await stockOf(api, sku)).toEqual({ available: 4, reserved: 0, sold: 1 });
  });

  it('warehouse complete: answered at once; the lost callback is sent again from the change stream and the order ships', async () => {
    const sku = await product(api, 5);
    const { body } = await placeOrder(api, 'crash-3', [{ sku, quantity: 1 }]);
    await pay(api, 'crash-3', body.orderId);
    crashCallbacksOf(body.orderId);
    const token = await warehouse(api);
    const completed = await api.request('POST', `/warehouse/tasks/${body.orderId}/complete`, { token });
    expect([completed.status, completed.body.status]).toEqual([200, 'PACKED']);
    await waitForStatus(api, 'crash-3', body.orderId, 'SHIPPED');
    expect(api.stack.stepFunctions.faults.failSignals.get(body.orderId)).toBe(0);
  });

  it('shipping: the callback lost after the order is SHIPPED is sent again, and the carrier is booked once', async () => {
    const sku = await product(api, 5);
    const { body } = await placeOrder(api, 'crash-4', [{ sku, quantity: 1 }]);
    await pay(api, 'crash-4', body.orderId);
    crashCallbacksOf(body.orderId, 'Shipping');
    const shipped = await pickAndShip(api, 'crash-4', body.orderId);
    // The execution ended at the hand-over only once the callback got through.
    await eventually(async () => api.stack.stepFunctions.faults.failSignals.get(`${body.orderId}/Shipping`) === 0);
    const tracking = shipped.shipment.trackingNumber;
    await deliver(api, 'crash-4', body.orderId, tracking);
    expect([...api.stack.sandbox.shipments.values()].filter((s) => s.orderId === body.orderId)).toHaveLength(1);
  });

  it('carrier DELIVERED after the hand-over: no execution waits, a repeated push is kept once', async () => {
    const sku = await product(api, 5);
    const { body } = await placeOrder(api, 'crash-5', [{ sku, quantity: 1 }]);
    await pay(api, 'crash-5', body.orderId);
    const shipped = await pickAndShip(api, 'crash-5', body.orderId);
    // The execution ended at the hand-over to the carrier: nothing is left to signal.
    const sfn = new SFNClient({ endpoint: api.stack.endpoints.sfn, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await eventually(async () => (await sfn.send(new DescribeExecutionCommand({ executionArn: api.stack.stepFunctions.executionArn(body.orderId) }))).status === 'SUCCEEDED', 10_000, 'the execution to end at the hand-over');
    const occurredAt = new Date().toISOString();
    const event = JSON.stringify({ type: 'tracking.updated', data: { trackingNumber: shipped.shipment.trackingNumber, status: 'DELIVERED', occurredAt } });
    const headers = signedHeaders(DEFAULT_SECRETS.CARRIER_WEBHOOK_SECRET, event, { id: 'msg_carrier_crash' });
    expect((await api.request('POST', '/webhooks/carriers/sandbox', { rawBody: event, headers })).status).toBe(200);
    expect((await api.request('POST', '/webhooks/carriers/sandbox', { rawBody: event, headers })).status).toBe(200);
    const delivered = await getOrder(api, 'crash-5', body.orderId);
    expect(delivered.status).toBe('DELIVERED');
    expect(delivered.shipment.events).toHaveLength(1);
    await api.request('POST', `/orders/${body.orderId}/confirm-receipt`, { token: await api.token('crash-5') });
    await waitForStatus(api, 'crash-5', body.orderId, 'COMPLETED');
  });

  it('compensation: the refund and the stock release happen once', async () => {
    const sku = await product(api, 5);
    const { body } = await placeOrder(api, 'crash-6', [{ sku, quantity: 2 }]);
    const picking = await pay(api, 'crash-6', body.orderId);
    // The cancel signal itself gets through; compensation's callback is lost once.
    await api.request('POST', `/orders/${body.orderId}/cancel`, { token: await api.token('crash-6') });
    crashCallbacksOf(body.orderId);
    const cancelled = await waitForRefunded(api, 'crash-6', body.orderId);
    await eventually(async () => api.stack.stepFunctions.faults.failSignals.get(body.orderId) === 0);
    await eventually(async () => api.stack.stepFunctions.executions.get(body.orderId)?.status === 'SUCCEEDED');
    expect(cancelled.payment.status).toBe('REFUNDED');
    expect(api.stack.sandbox.payments.get(picking.payment.paymentId)?.refunds).toHaveLength(1);
    expect(await stockOf(api, sku)).toEqual({ available: 5, reserved: 0, sold: 0 });
  });
});
