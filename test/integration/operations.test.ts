/** What operators rely on: poison messages in DLQs (reported, listed, redriven) and the stranded-order reconciler. */
import { ListMessageMoveTasksCommand, SQSClient } from '@aws-sdk/client-sqs';
import { StopExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, SANDBOX_PAYMENTS, useLocalStack } from '../helpers/local-stack.js';
import { getOrder, ops, pay, paymentIdOf, placeOrder, product, stockOf, strandedOrder } from '../helpers/shop.js';

const api = useLocalStack({
  visibilityTimeoutSeconds: 1,
  streamRetryAttempts: 1,
  env: { ...SANDBOX_PAYMENTS, RECONCILE_GRACE_SECONDS: '0', RECONCILE_PAYMENT_QUERY_SECONDS: '0', POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'false' },
});

/** Everything the functions print (they run in this process), to search for log lines and metrics. */
let output: string[] = [];
const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
beforeEach(() => {
  output = [];
  process.stdout.write = ((chunk: string | Uint8Array) => (output.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (output.push(String(chunk)), true)) as typeof process.stderr.write;
});
afterEach(() => {
  process.stdout.write = originals.out;
  process.stderr.write = originals.err;
});

function jsonLines() {
  return output.flatMap((chunk) => chunk.split('\n')).flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, any>];
    } catch {
      return [];
    }
  });
}

describe('poison messages', () => {
  it('land in the stage DLQ after maxReceiveCount, reported with the order id, and can be redriven', async () => {
    const sku = await product(api, 3);
    api.stack.sandbox.paymentsDown = true;
    let orderId: string;
    try {
      const placed = await placeOrder(api, 'pat', [{ sku, quantity: 1 }]);
      orderId = placed.body.orderId;
      const token = await ops(api);
      const dead = await eventually(async () => {
        const reply = await api.request('GET', '/ops/dead-letters', { token });
        const payment = reply.body.items.find((q: { stage: string }) => q.stage === 'payment');
        return payment.approximateCount === 1 ? payment : null;
      }, 30_000, 'the payment message to reach its DLQ');
      expect(dead.messages).toEqual([expect.objectContaining({ orderId, action: 'awaitPayment', receiveCount: expect.any(Number) })]);
      // The order stays visible while its message waits in the DLQ.
      const waiting = await getOrder(api, 'pat', orderId);
      expect(waiting).toMatchObject({ status: 'PENDING_PAYMENT', payment: null });
      const failures = jsonLines().filter((l) => l.message === 'stage message failed' && l.orderId === orderId);
      expect(failures.length).toBeGreaterThanOrEqual(5);
      expect(failures[0]).toMatchObject({ level: 'ERROR', stage: 'payment' });
      const metricLines = jsonLines().filter((l) => l._aws?.CloudWatchMetrics && 'StageMessageFailed' in l);
      expect(metricLines.length).toBeGreaterThanOrEqual(5);
    } finally {
      api.stack.sandbox.paymentsDown = false;
    }

    const token = await ops(api);
    expect((await api.request('GET', '/ops/dead-letters', { token: await api.token('pat') })).status).toBe(403);
    const redrive = await api.request('POST', '/ops/dead-letters/payment/redrive', { token });
    // An SQS message move task moves it back (emulated locally as the proxy in front of the SQS emulator).
    expect(redrive.body).toEqual({ stage: 'payment', moved: 1, taskHandle: expect.any(String) });
    const task = await eventually(async () => {
      // Through the stack's SQS endpoint (the proxy answers move tasks; the emulator behind it has none).
      const sqs = new SQSClient({ endpoint: api.stack.endpoints.sqs, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: api.stack.queues.payment!.dlqArn }));
      return Results[0]?.Status === 'COMPLETED' ? Results[0] : null;
    }, 10_000, 'the move task to complete');
    expect(task).toMatchObject({ TaskHandle: redrive.body.taskHandle, ApproximateNumberOfMessagesMoved: 1, DestinationArn: api.stack.queues.payment!.arn });
    await pay(api, 'pat', orderId!);
    expect(await stockOf(api, sku)).toEqual({ available: 2, reserved: 0, sold: 1 });
    expect((await api.request('POST', '/ops/dead-letters/nope/redrive', { token })).status).toBe(404);
  });
});

describe('metrics', () => {
  it('an HTTP function publishes what it counts with its answer (a customer cancel: OrderCancelled)', async () => {
    const sku = await product(api, 2);
    const placed = await placeOrder(api, 'mia', [{ sku, quantity: 1 }]);
    const cancelled = await api.request('POST', `/orders/${placed.body.orderId}/cancel`, { token: await api.token('mia') });
    expect(cancelled.status).toBe(202);
    // Counted in the orders function (the decision is taken there), flushed before it answered.
    const metricLines = jsonLines().filter((l) => l._aws?.CloudWatchMetrics && l.OrderCancelled === 1);
    expect(metricLines).toHaveLength(1);
    expect(metricLines[0]!._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Orders', Metrics: [{ Name: 'OrderCancelled', Unit: 'Count' }] });
  });
});

describe('stranded orders', () => {
  it('an order whose start was given up (the stream’s retries spent) is started by the reconciler', async () => {
    const sku = await product(api, 3);
    const orderId = await strandedOrder(api, 'rex', sku);
    expect(await stockOf(api, sku)).toEqual({ available: 2, reserved: 1, sold: 0 });
    expect(api.stack.stepFunctions.executions.has(orderId)).toBe(false);
    expect(jsonLines().some((l) => l.message === "driving an order's workflow failed; the stream retries it" && l.orderId === orderId && l.change === 'INSERT')).toBe(true);

    const report = await api.request('POST', '/ops/reconcile', { token: await ops(api) });
    expect(report.status).toBe(200);
    expect(report.body.repaired).toContainEqual({ orderId, action: 'started-missing-execution' });
    expect(jsonLines().some((l) => l.message === 'stranded order repaired' && l.orderId === orderId)).toBe(true);
    await paymentIdOf(api, 'rex', orderId);
    await pay(api, 'rex', orderId);
    const again = await api.request('POST', '/ops/reconcile', { token: await ops(api) });
    expect(again.body.repaired.map((r: { orderId: string }) => r.orderId)).not.toContain(orderId);
  });

  it('placing an order does not wait for its workflow: with the stream held the order stands, its execution starts once released', async () => {
    const sku = await product(api, 3);
    // The local stack's hold (what the bench uses): the queues' and the stream's event sources wait.
    api.stack.consumers.hold();
    let orderId: string;
    try {
      const placed = await placeOrder(api, 'val', [{ sku, quantity: 1 }]);
      expect(placed.status).toBe(201);
      orderId = placed.body.orderId;
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(api.stack.stepFunctions.executions.has(orderId)).toBe(false);
      expect(await stockOf(api, sku)).toEqual({ available: 2, reserved: 1, sold: 0 });
    } finally {
      api.stack.consumers.release();
    }
    await paymentIdOf(api, 'val', orderId);
    expect(api.stack.stepFunctions.executions.get(orderId)?.status).toBe('RUNNING');
  });

  it('a start that fails is retried from the change stream: the order was placed all the same', async () => {
    const sku = await product(api, 3);
    api.stack.stepFunctions.faults.failStarts = 1;
    const key = 'placed-despite-a-failed-start';
    const placed = await placeOrder(api, 'sue', [{ sku, quantity: 1 }], key);
    expect(placed.status).toBe(201);
    await paymentIdOf(api, 'sue', placed.body.orderId);
    expect(api.stack.stepFunctions.faults.failStarts).toBe(0);
    expect(api.stack.parkedChanges.workflowDriver ?? []).not.toContainEqual(expect.objectContaining({ dynamodb: expect.objectContaining({ Keys: { pk: { S: `ORDER#${placed.body.orderId}` }, sk: { S: 'ORDER' } } }) }));
    // A client's retry with the same key answers with the same order, and starts nothing new.
    const retry = await placeOrder(api, 'sue', [{ sku, quantity: 1 }], key);
    expect([retry.status, retry.headers.get('idempotent-replayed'), retry.body.orderId]).toEqual([201, 'true', placed.body.orderId]);
    expect(await stockOf(api, sku)).toEqual({ available: 2, reserved: 1, sold: 0 });
  });

  it('an order whose workflow ended early is reported for an operator, not touched', async () => {
    const sku = await product(api, 3);
    const { body } = await placeOrder(api, 'ted', [{ sku, quantity: 1 }]);
    await paymentIdOf(api, 'ted', body.orderId);
    const sfn = new SFNClient({ endpoint: api.stack.endpoints.sfn, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const executionArn = api.stack.stepFunctions.executionArn(body.orderId);
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator.Stopped' }));
    const report = await api.request('POST', '/ops/reconcile', { token: await ops(api) });
    expect(report.body.stranded).toContainEqual({ orderId: body.orderId, status: 'PENDING_PAYMENT', problem: 'workflow aborted: Operator.Stopped, order not final' });
    expect(jsonLines().some((l) => l.message === 'stranded order needs an operator' && l.orderId === body.orderId && l.level === 'ERROR')).toBe(true);
    expect((await getOrder(api, 'ted', body.orderId)).status).toBe('PENDING_PAYMENT');
  });

  it('a payment pending at the provider past RECONCILE_PAYMENT_QUERY_SECONDS is asked after: paid but never notified, the order is paid', async () => {
    const sku = await product(api, 3);
    const { body } = await placeOrder(api, 'una', [{ sku, quantity: 1 }]);
    const paymentId = await paymentIdOf(api, 'una', body.orderId);
    // Paid at the provider; the notification is lost.
    expect((await api.request('POST', `/sandbox/payments/${paymentId}/succeed`, { body: { notify: false } })).status).toBe(200);
    const report = await api.request('POST', '/ops/reconcile', { token: await ops(api) });
    expect(report.body.repaired).toContainEqual({ orderId: body.orderId, action: 'applied-unnotified-payment' });
    const order = await eventually(async () => {
      const current = await getOrder(api, 'una', body.orderId);
      return current.status === 'PICKING' ? current : null;
    });
    expect(order.payment).toMatchObject({ paymentId, status: 'SUCCEEDED' });
    expect(await stockOf(api, sku)).toEqual({ available: 2, reserved: 0, sold: 1 });
    // Asked again, nothing more happens.
    const again = await api.request('POST', '/ops/reconcile', { token: await ops(api) });
    expect(again.body.repaired.filter((r: { orderId: string }) => r.orderId === body.orderId)).toEqual([]);
  });
});
