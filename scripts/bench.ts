/**
 * `npm run bench`: figures (not a test; nothing is asserted). Prints
 *  - flash sale: the stock-shard reservation algorithm at 5,000 orders/s on one SKU, in
 *    simulated time (scripts/flash-sale.ts): the hottest item's write units per second;
 *  - cost: whole lifecycles on the local stack, every invocation, capacity unit, SQS and
 *    API request and log byte counted (lib/local/meter.ts), priced (scripts/cost.ts);
 *  - throughput: POST /orders against raw TransactWriteItems (the same three writes)
 *    on the same DynamoDB Local, at the same concurrency, in turns, and where the
 *    difference goes: the request path alone (the asynchronous consumers held, then
 *    drained before the next turn), and again with everything running on the two cores;
 *  - placement latency, one hot SKU, and cold starts of every bundle beside a bare
 *    DynamoDB document client (scripts/cold-starts.ts).
 * Options: BENCH_ORDERS (default 400), BENCH_CONCURRENCY (default 20), BENCH_LIFECYCLES
 * (default 20), BENCH_PARTS (default all: flash,cost,throughput,hot,cold).
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { DynamoDBClient, GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { GetExecutionHistoryCommand, SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import { startLocalStack, type LocalStack } from '../lib/local/stack.js';
import { Meter } from '../lib/local/meter.js';
import { DEFAULT_FLASH_SALE, simulateFlashSale } from './flash-sale.js';
import { costLine, priceOrders } from './cost.js';
import { coldStartLine, measureColdStarts } from './cold-starts.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const LIFECYCLES = Number(process.env.BENCH_LIFECYCLES ?? 20);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'flash,cost,throughput,hot,cold').split(','));

// 1. Flash sale, simulated.
if (PARTS.has('flash')) {
const sale = simulateFlashSale();
console.log(`flash sale  ${DEFAULT_FLASH_SALE.ordersPerSecond} orders/s on one SKU with ${DEFAULT_FLASH_SALE.shards} shards: hottest item ${sale.hottestWcuPerSecond} WCU/s`);
console.log(
  `            ${sale.sold} sold of ${DEFAULT_FLASH_SALE.stock}, ${sale.refused} refused after the sell-out, oversold ${sale.oversold}; ${sale.attempts} transactions (${sale.conflicts} conflicts, ${sale.shortShards} on a short shard), ${sale.reads} reads of every shard; one item alone: ${simulateFlashSale({ shards: 1, seconds: 2, stock: 5000 }).hottestWcuPerSecond} WCU/s`,
);

}

const meter = new Meter();
let stack: LocalStack | undefined;
let ops = '';
let buyer = '';
let wh = '';
let skus: string[] = [];
/**
 * A fresh stack. Counted (for the cost), every call also passes the counting proxies;
 * not counted (for throughput), the stack runs as `npm start` does, and only the
 * functions' own time is read from the meter.
 */
async function boot(counted: boolean) {
  await stack?.stop();
  meter.on = counted;
  stack = await startLocalStack({
    port: 0,
    log: () => undefined,
    meter,
    // As deployed: Powertools logs at INFO unless told otherwise.
    env: { POWERTOOLS_LOG_LEVEL: 'INFO' },
    throttling: { default: { rateLimit: 1e6, burstLimit: 1e6 }, routes: {} },
  });
  ops = await token('bench-ops', ['ops']);
  buyer = await token('bench-buyer');
  wh = await token('bench-wh', ['warehouse']);
  skus = await Promise.all(Array.from({ length: 20 }, () => productWith(10 * ORDERS)));
  meter.reset();
}
// The harness reads orders as an operator would (not through the API, so not counted as the workload's).
const getOrder = async (orderId: string) => (await import('../functions/adapters/orders.js')).getOrder(orderId);

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack!.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // The API's JSON, loosely typed: this script reads a few known fields.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
}
const token = async (sub: string, groups: string[] = []) => (await call('POST', '/local/token', { sub, groups })).body.token as string;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

async function productWith(stock: number) {
  const sku = `BENCH-${randomUUID().slice(0, 8)}`;
  await call('PUT', `/products/${sku}`, { name: 'Bench tea', priceMinor: 1000, currency: 'CNY' }, auth(ops));
  await call('POST', `/products/${sku}/restock`, { quantity: stock }, auth(ops));
  return sku;
}
const address = { name: 'B', phone: '1', line1: 'x', city: 'c', postalCode: '1', country: 'CN' };
const orderBody = (sku: string) => ({ items: [{ sku, quantity: 1, unitPriceMinor: 1000 }], currency: 'CNY', shippingAddress: address, paymentMethod: 'card' });
const place = (sku: string) => call('POST', '/orders', orderBody(sku), { ...auth(buyer), 'idempotency-key': randomUUID() });

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1);
}
async function runPool(total: number, concurrency: number, job: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await job(next++);
  }));
}
const until = async <T>(get: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('bench: timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
};


// 2. The cost of an order: whole lifecycles, counted.
async function history(orderId: string): Promise<HistoryEvent[]> {
  return until(async () => {
    const sfn = new SFNClient({ endpoint: stack!.endpoints.sfn, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn: stack!.stepFunctions.executionArn(orderId) }));
    return out.events?.some((e) => e.type === 'ExecutionSucceeded') ? out.events : null;
  });
}
async function lifecycle(sku: string): Promise<string> {
  const order = (await place(sku)).body;
  // The customer looks at the order once (its checkout page).
  await call('GET', `/orders/${order.orderId}`, undefined, auth(buyer));
  const paymentId = await until(async () => (await getOrder(order.orderId))?.payment?.paymentId);
  await stack!.openCheckout(order.orderId);
  await call('POST', `/sandbox/payments/${paymentId}/succeed`);
  await until(async () => (await getOrder(order.orderId))?.status === 'PICKING');
  await call('POST', `/warehouse/tasks/${order.orderId}/complete`, { packages: [{ weightGrams: 900 }] }, auth(wh));
  const tracking = await until(async () => (await getOrder(order.orderId))?.shipment?.trackingNumber);
  await call('POST', `/sandbox/shipments/${tracking}/events`, { status: 'DELIVERED' });
  await until(async () => (await getOrder(order.orderId))?.status === 'DELIVERED');
  await call('POST', `/orders/${order.orderId}/confirm-receipt`, undefined, auth(buyer));
  await until(async () => (await getOrder(order.orderId))?.status === 'COMPLETED');
  return order.orderId as string;
}
if (PARTS.has('cost')) {
await boot(true);
await lifecycle(skus[0]!); // warm every path once
await new Promise((r) => setTimeout(r, 1500));
meter.reset();
const lifecycleStarted = performance.now();
const orderIds: string[] = [];
await runPool(LIFECYCLES, 5, async (i) => void orderIds.push(await lifecycle(skus[i % skus.length]!)));
// Let the stream publisher finish with the last changes (until its write count stands still).
for (let last = -1; last !== meter.read().dynamodb.requests; ) {
  last = meter.read().dynamodb.requests;
  await new Promise((r) => setTimeout(r, 1500));
}
await meter.settle();
const reading = meter.read();
const lifecycleSeconds = (performance.now() - lifecycleStarted) / 1000;
const histories = await Promise.all(orderIds.map(history));
const transitions = histories.reduce((sum, events) => sum + events.filter((e) => e.type?.endsWith('StateEntered')).length, 0) / orderIds.length;
// Execution logs at level ALL without data: one record per history event.
const workflowLogBytes =
  histories.reduce(
    (sum, events) =>
      sum +
      events.reduce((bytes, e) => bytes + JSON.stringify({ id: String(e.id), type: e.type, details: { name: e.stateEnteredEventDetails?.name ?? e.stateExitedEventDetails?.name }, previous_event_id: String(e.previousEventId ?? 0), event_timestamp: String(e.timestamp?.getTime()), execution_arn: stack!.stepFunctions.executionArn('ord_01JDZ8Q5W9Y7B3K2M4N6P8R0ST'), redrive_count: '0' }).length, 0),
    0,
  ) / orderIds.length;
const cost = priceOrders({ transitions, workflowLogBytes, reading, orders: orderIds.length });
if (process.env.BENCH_DETAIL) {
  for (const [call, units] of Object.entries(reading.dynamodb.byCaller).sort((a, b) => b[1].writeUnits + b[1].readUnits - a[1].writeUnits - a[1].readUnits)) {
    console.log(`            ${call.padEnd(44)} ${(units.requests / orderIds.length).toFixed(1).padStart(6)} calls ${(units.readUnits / orderIds.length).toFixed(1).padStart(7)} RRU ${(units.writeUnits / orderIds.length).toFixed(1).padStart(7)} WRU per order`);
  }
}
console.log(costLine(cost));
const p = cost.perOrder;
console.log(
  `            per order: ${p.transitions.toFixed(0)} state transitions, ${p.invocations.toFixed(1)} invocations (${p.billedMs.toFixed(0)} ms billed at 512 MB), ${p.readUnits.toFixed(1)} RRU + ${p.writeUnits.toFixed(1)} WRU, ${p.sqsRequests.toFixed(1)} SQS requests, ${p.apiRequests.toFixed(1)} API requests, ${(p.logBytes / 1024).toFixed(1)} KB of logs`,
);
console.log(
  `            not per order: event sources' empty long polls (${((reading.sqs.emptyReceives / lifecycleSeconds) * 60).toFixed(0)} a minute here; on AWS about 5 pollers per queue at 20 s), the reconciler every 5 min, stored logs and items`,
);

}

// 3. Throughput: POST /orders against the same three writes as one raw transaction, in turns.
// An order of the size POST /orders writes, in the same two indexes (a customer's orders, open orders), under keys no reader visits.
const rawOrder = JSON.stringify({ ...orderBody('BENCH-SKU'), status: 'PENDING_PAYMENT', customerId: 'bench-buyer', payment: null, shipment: null, cancellation: null, fulfilment: null, paymentDeadline: new Date().toISOString(), history: [{ status: 'PENDING_PAYMENT', at: new Date().toISOString() }], createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() });
let rawClient: DynamoDBClient | undefined;
const raw = () => (rawClient ??= new DynamoDBClient({ endpoint: stack!.endpoints.dynamodbLocal, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));

/** CPU milliseconds used so far by this process (all its threads) and by DynamoDB Local's JVM (a child process; Linux /proc, else 0). */
function cpuNow(): { node: number; java: number } {
  const { user, system } = process.cpuUsage();
  let java = 0;
  try {
    const tick = 10; // USER_HZ is 100 on Linux: a clock tick is 10 ms
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (stat.includes('(java)') && Number(fields[1]) === process.pid) java += (Number(fields[11]) + Number(fields[12])) * tick;
    }
  } catch {
    // not Linux: the JVM's share is not read
  }
  return { node: (user + system) / 1000, java };
}
const cpuSince = (before: { node: number; java: number }) => {
  const now = cpuNow();
  return { node: now.node - before.node, java: now.java - before.java };
};
async function rawPlacement(i: number) {
  const id = randomUUID();
  await raw().send(
    new TransactWriteItemsCommand({
      TransactItems: [
        { Update: { TableName: 'orders', Key: { pk: { S: `PRODUCT#${skus[i % skus.length]}` }, sk: { S: 'PRODUCT' } }, UpdateExpression: 'SET available = available - :q, reserved = reserved + :q', ConditionExpression: 'available >= :q', ExpressionAttributeValues: { ':q': { N: '1' } } } },
        {
          Put: {
            TableName: 'orders',
            Item: { pk: { S: `BENCHORDER#${id}` }, sk: { S: 'ORDER' }, body: { S: rawOrder }, gsi1pk: { S: 'BENCHCUSTOMER#bench-buyer' }, gsi1sk: { S: `${new Date().toISOString()}#${id}` }, gsi3pk: { S: `BENCHOPEN#${i % 32}` }, gsi3sk: { S: `${new Date().toISOString()}#${id}` } },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        { Put: { TableName: 'orders', Item: { pk: { S: `BENCHKEY#${id}` }, sk: { S: 'IDEMPOTENCY' }, orderId: { S: id } }, ConditionExpression: 'attribute_not_exists(pk)' } },
      ],
    }),
  );
}
if (PARTS.has('throughput') || PARTS.has('hot')) await boot(false);
/**
 * A turn of POST /orders: ORDERS placements at CONCURRENCY, timed, with the CPU they
 * cost. `held`: the queues' and the stream's event sources wait meanwhile (the request
 * path alone, as on AWS, where the workflow's stages and the stream's readers run on
 * their own CPUs); released after the turn.
 */
async function placementTurn(held: boolean) {
  const placed: string[] = [];
  const latencies: number[] = [];
  if (held) stack!.consumers.hold();
  const before = cpuNow();
  const t0 = performance.now();
  await runPool(ORDERS, CONCURRENCY, async (i) => {
    const started = performance.now();
    const reply = await place(skus[i % skus.length]!);
    latencies.push(performance.now() - started);
    if (reply.status !== 201) throw new Error(`placement failed: ${reply.status}`);
    placed.push(reply.body.orderId);
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSince(before);
  stack!.consumers.release();
  return { rate: ORDERS / seconds, cpu, latencies, placed };
}
/** Seconds until every placed order's first stage has run (its payment created at the provider). */
async function drained(placed: string[]): Promise<number> {
  const t0 = performance.now();
  let waiting = placed;
  while (waiting.length) {
    const paid = await Promise.all(waiting.map(hasPayment));
    waiting = waiting.filter((_, i) => !paid[i]);
    if (waiting.length) await new Promise((r) => setTimeout(r, 250));
    if (performance.now() - t0 > 120_000) throw new Error(`bench: ${waiting.length} orders never reached their payment`);
  }
  return (performance.now() - t0) / 1000;
}
/** Read from DynamoDB Local itself (this stack's: the adapters' client may be bound to an earlier one). */
async function hasPayment(orderId: string): Promise<boolean> {
  const { Item } = await raw().send(new GetItemCommand({ TableName: 'orders', Key: { pk: { S: `ORDER#${orderId}` }, sk: { S: 'ORDER' } }, ProjectionExpression: 'payment' }));
  return !!Item?.payment?.M;
}
async function rawTurn() {
  const before = cpuNow();
  const t0 = performance.now();
  await runPool(ORDERS, CONCURRENCY, rawPlacement);
  return { rate: ORDERS / ((performance.now() - t0) / 1000), cpu: cpuSince(before) };
}
if (PARTS.has('throughput')) {
// Turn 1 warms every path; turn 2 is read. Then once more with every consumer running.
let yardstick = await rawTurn();
await drained((await placementTurn(true)).placed);
yardstick = await rawTurn();
meter.reset();
const api = await placementTurn(true);
const drainSeconds = await drained(api.placed);
const inOrders = meter.read().lambda.byFunction.orders;
const running = await placementTurn(false);
await drained(running.placed);
console.log(`throughput  POST /orders ${api.rate.toFixed(0)} orders/s vs raw TransactWriteItems ${yardstick.rate.toFixed(0)}/s at concurrency ${CONCURRENCY}, side by side: ${(api.rate / yardstick.rate).toFixed(2)}`);
console.log(
  `            the request path alone: the workflow's stages and the stream's readers held during the turn (on AWS they run on their own CPUs), then drained in ${drainSeconds.toFixed(1)} s; with them running on the same two cores: ${running.rate.toFixed(0)} orders/s (${(running.rate / yardstick.rate).toFixed(2)})`,
);
const perOrder = (ms: number) => (ms / ORDERS).toFixed(1);
console.log(
  `            CPU per order: raw ${perOrder(yardstick.cpu.node)} ms Node + ${perOrder(yardstick.cpu.java)} ms DynamoDB Local; POST /orders ${perOrder(api.cpu.node)} ms Node + ${perOrder(api.cpu.java)} ms DynamoDB Local (both cores busy: the rate follows the CPU an order costs)`,
);
const latencies = api.latencies.sort((a, b) => a - b);
const meanLatency = latencies.reduce((a, b) => a + b, 0) / latencies.length;
const inFunction = inOrders ? inOrders.billedMs / inOrders.invocations : 0;
console.log(
  `            placement p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, p99 ${percentile(latencies, 99)} ms; of a mean ${meanLatency.toFixed(1)} ms, ${inFunction.toFixed(1)} ms in the function (TransactWriteItems and its logs; the catalog read at most once a second per product), the rest in the gateway (JWT, routing) and the worker hop`,
);
}

// 4. One hot SKU: every order contends for the same item.
if (PARTS.has('hot')) {
const hot = await productWith(100);
const hotLatencies: number[] = [];
let created = 0;
const started = performance.now();
await Promise.all(Array.from({ length: 200 }, async () => {
  const t0 = performance.now();
  const reply = await place(hot);
  hotLatencies.push(performance.now() - t0);
  if (reply.status === 201) created++;
}));
const seconds = (performance.now() - started) / 1000;
hotLatencies.sort((a, b) => a - b);
console.log(`hot SKU     200 concurrent orders for stock 100: ${created} created in ${seconds.toFixed(2)} s, p50 ${percentile(hotLatencies, 50)} ms, p95 ${percentile(hotLatencies, 95)} ms`);
}
await stack?.stop();

// 5. Cold starts, with the stack stopped (the machine otherwise idle).
if (PARTS.has('cold')) {
const cold = await measureColdStarts();
for (const c of cold) console.log(`cold start  ${coldStartLine(c)}`);
const worst = cold.slice(1).reduce((a, b) => (b.ratio > a.ratio ? b : a));
console.log(`cold start  ${cold.slice(1).filter((c) => c.ratio <= 1.3).length} of ${cold.length - 1} bundles within 1.3x the bare client; the slowest is ${worst.name} at ${worst.ratio.toFixed(2)}x`);
}
process.exit(0);
