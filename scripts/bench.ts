/**
 * `npm run bench`: figures for the local stack (not a test; nothing is asserted).
 * Starts its own stack on a free port, then measures
 *  - order placement: latency percentiles and throughput at a given concurrency,
 *  - contention: one hot SKU, many concurrent one-unit orders,
 *  - a whole lifecycle: wall time and state transitions per order.
 * Options: BENCH_ORDERS (default 400), BENCH_CONCURRENCY (default 20).
 */
import { randomUUID } from 'node:crypto';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { startLocalStack } from '../lib/local/stack.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);

const stack = await startLocalStack({
  port: 0,
  log: () => undefined,
  env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
  throttling: { default: { rateLimit: 1e6, burstLimit: 1e6 }, routes: {} },
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.url}${path}`, {
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
const ops = await token('bench-ops', ['ops']);

async function productWith(stock: number) {
  const sku = `BENCH-${randomUUID().slice(0, 8)}`;
  await call('PUT', `/products/${sku}`, { name: 'Bench tea', priceMinor: 1000, currency: 'CNY' }, auth(ops));
  await call('POST', `/products/${sku}/restock`, { quantity: stock }, auth(ops));
  return sku;
}
const address = { name: 'B', phone: '1', line1: 'x', city: 'c', postalCode: '1', country: 'CN' };
const place = (t: string, sku: string) =>
  call('POST', '/orders', { items: [{ sku, quantity: 1, unitPriceMinor: 1000 }], currency: 'CNY', shippingAddress: address, paymentMethod: 'card' }, { ...auth(t), 'idempotency-key': randomUUID() });

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1);
}

async function runPool(total: number, concurrency: number, job: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await job(next++);
  }));
}

// 1. Placement on many SKUs (no contention).
const skus = await Promise.all(Array.from({ length: 20 }, () => productWith(ORDERS)));
const buyer = await token('bench-buyer');
const latencies: number[] = [];
let started = performance.now();
await runPool(ORDERS, CONCURRENCY, async (i) => {
  const t0 = performance.now();
  const reply = await place(buyer, skus[i % skus.length]!);
  latencies.push(performance.now() - t0);
  if (reply.status !== 201) throw new Error(`placement failed: ${reply.status}`);
});
let seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
console.log(`placement   ${ORDERS} orders, concurrency ${CONCURRENCY}: ${(ORDERS / seconds).toFixed(0)} orders/s, p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, p99 ${percentile(latencies, 99)} ms`);

// 2. One hot SKU: every order contends for the same item.
const hot = await productWith(100);
const hotLatencies: number[] = [];
let created = 0;
started = performance.now();
await Promise.all(Array.from({ length: 200 }, async () => {
  const t0 = performance.now();
  const reply = await place(buyer, hot);
  hotLatencies.push(performance.now() - t0);
  if (reply.status === 201) created++;
}));
seconds = (performance.now() - started) / 1000;
hotLatencies.sort((a, b) => a - b);
console.log(`hot SKU     200 concurrent orders for stock 100: ${created} created in ${seconds.toFixed(2)} s, p50 ${percentile(hotLatencies, 50)} ms, p95 ${percentile(hotLatencies, 95)} ms`);

// 3. One whole lifecycle.
const wh = await token('bench-wh', ['warehouse']);
const until = async <T>(get: () => Promise<T | null | undefined>) => {
  for (;;) {
    const value = await get();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
};
started = performance.now();
const order = (await place(buyer, skus[0]!)).body;
const orderOf = async () => (await call('GET', `/orders/${order.orderId}`, undefined, auth(buyer))).body;
const paymentId = await until(async () => (await orderOf()).payment?.paymentId);
await call('POST', `/sandbox/payments/${paymentId}/succeed`);
await until(async () => ((await orderOf()).status === 'PICKING' ? true : null));
await call('POST', `/warehouse/tasks/${order.orderId}/complete`, {}, auth(wh));
const tracking = await until(async () => (await orderOf()).shipment?.trackingNumber);
await call('POST', `/sandbox/shipments/${tracking}/events`, { status: 'DELIVERED' });
await until(async () => ((await orderOf()).status === 'DELIVERED' ? true : null));
await call('POST', `/orders/${order.orderId}/confirm-receipt`, undefined, auth(buyer));
const sfn = new SFNClient({ endpoint: stack.endpoints.sfn, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const executionArn = stack.stepFunctions.executionArn(order.orderId);
const events = await until(async () => {
  const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  return out.events?.some((e) => e.type === 'ExecutionSucceeded') ? out.events : null;
});
seconds = (performance.now() - started) / 1000;
const transitions = events.filter((e) => e.type?.endsWith('StateEntered')).length;
console.log(`lifecycle   placement to COMPLETED in ${seconds.toFixed(2)} s (no waiting for people), ${transitions} state transitions per order`);
console.log(`            at $0.025 per 1,000 transitions: $${((transitions * 0.025) / 1000 * 1e6).toFixed(0)} per million orders; regional refill of 1,500/s allows ${Math.floor(1500 / transitions)} orders/s sustained`);

await stack.stop();
process.exit(0);
