/**
 * Operators' order routes (API.md "Operations"): search through the order indexes with
 * cursor paging and every filter, the CSV export of all pages, an order's timeline (with
 * the audit trail of who did what, and no personal data), stuck orders, and the
 * operator's cancel, also while PACKED.
 */
import { randomUUID } from 'node:crypto';
import { StopExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { eventually, useLocalStack } from '../helpers/local-stack.js';
import { ADDRESS, deliver, getOrder, ops, pay, pickAndShip, placeOrder, product, stockOf, strandedOrder, waitForStatus, warehouse } from '../helpers/shop.js';

const api = useLocalStack({ env: { RECONCILE_GRACE_SECONDS: '0', RECONCILE_INTERVAL_SECONDS: '3600' }, visibilityTimeoutSeconds: 2, streamRetryAttempts: 1 }, { validateResponses: true });

async function search(query: string) {
  return api.request('GET', `/ops/orders?${query}`, { token: await ops(api) });
}
/** Every page of a search, following the cursor. */
async function everyPage(query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const reply = await search(`${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(reply.status).toBe(200);
    ids.push(...reply.body.items.map((o: { orderId: string }) => o.orderId));
    cursor = reply.body.nextCursor;
  } while (cursor);
  return ids;
}

describe('operators’ order search', () => {
  it('finds orders by status, customer, SKU and time, newest first, page by page, and exports them all', async () => {
    const tea = await product(api, 50);
    const cup = await product(api, 50);
    const [ann, bob] = [`ann-${randomUUID().slice(0, 6)}`, `bob-${randomUUID().slice(0, 6)}`];
    const placed: { id: string; customer: string; skus: string[] }[] = [];
    for (const [customer, skus] of [[ann, [tea]], [bob, [tea, cup]], [ann, [cup]], [bob, [tea]], [ann, [tea, cup]]] as const) {
      const reply = await placeOrder(api, customer, skus.map((sku) => ({ sku, quantity: 1 })));
      placed.push({ id: reply.body.orderId, customer, skus: [...skus] });
    }
    await pay(api, ann, placed[0]!.id);
    const newestFirst = (list: typeof placed) => list.map((p) => p.id).reverse();

    // The index follows the change stream: wait until it has every order.
    await eventually(async () => (await everyPage(`sku=${tea}&limit=100`)).length === 4, 15_000, 'the index to have every order');
    expect(await everyPage(`customerId=${ann}&limit=2`)).toEqual(newestFirst(placed.filter((p) => p.customer === ann)));
    expect(await everyPage(`sku=${tea}&limit=1`)).toEqual(newestFirst(placed.filter((p) => p.skus.includes(tea))));
    expect(await everyPage(`sku=${cup}&customerId=${bob}`)).toEqual([placed[1]!.id]);
    await eventually(async () => (await everyPage(`status=PICKING&sku=${tea}`)).includes(placed[0]!.id), 15_000, 'the status index to follow');
    expect(await everyPage(`status=PENDING_PAYMENT&sku=${tea}&limit=2`)).toEqual(newestFirst(placed.filter((p) => p.skus.includes(tea) && p.id !== placed[0]!.id)));
    const all = await everyPage('limit=3');
    expect(all.slice(0, 5)).toEqual(newestFirst(placed));
    const window = await search(`sku=${tea}&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 120_000).toISOString())}`);
    expect(window.body.items).toEqual([]);

    const csv = await api.request('GET', `/ops/orders/export.csv?customerId=${ann}`, { token: await ops(api) });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = (csv.body as string).trim().split('\r\n');
    expect(rows[0]).toBe('orderId,customerId,status,createdAt,currency,totalMinor,refundedMinor,cancellationReason,carrier,trackingNumber');
    expect(rows.slice(1).map((row) => row.split(',')[0])).toEqual(newestFirst(placed.filter((p) => p.customer === ann)));

    for (const bad of ['cursor=nonsense', 'status=LOST', `from=${encodeURIComponent('2026-02-01T00:00:00Z')}&to=${encodeURIComponent('2026-01-01T00:00:00Z')}`, 'limit=101', 'colour=red']) {
      expect([bad, (await search(bad)).status]).toEqual([bad, 400]);
    }
    expect((await api.request('GET', '/ops/orders', { token: await warehouse(api) })).status).toBe(403);
  });
});

describe('an order’s timeline', () => {
  it('shows statuses, the workflow, payment, carrier, warehouse and operator actions with their sub, and events; nothing personal', async () => {
    const sku = await product(api, 5);
    const customer = `tl-${randomUUID().slice(0, 6)}`;
    const orderId = (await placeOrder(api, customer, [{ sku, quantity: 2 }])).body.orderId as string;
    await pay(api, customer, orderId);
    const shipped = await pickAndShip(api, customer, orderId);
    await deliver(api, customer, orderId, shipped.shipment.trackingNumber);
    const refund = await api.request('POST', `/ops/orders/${orderId}/refunds`, { token: await ops(api), headers: { 'idempotency-key': randomUUID() }, body: { amountMinor: 500, reason: 'GOODWILL', note: 'call from Wang Fang' } });
    expect(refund.status).toBe(201);
    const timeline = await eventually(async () => {
      const reply = await api.request('GET', `/ops/orders/${orderId}/timeline`, { token: await ops(api) });
      return reply.body.items.some((i: { type: string }) => i.type === 'payment.refunded') ? reply.body.items : null;
    }, 15_000, 'the refund to reach the timeline');
    const has = (source: string, type: string | RegExp) => timeline.some((i: { source: string; type: string }) => i.source === source && (typeof type === 'string' ? i.type === type : type.test(i.type)));
    for (const status of ['PENDING_PAYMENT', 'PAID', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED']) expect(has('order', status)).toBe(true);
    expect(has('customer', 'order.placed')).toBe(true);
    expect(has('workflow', 'TaskStateEntered')).toBe(true);
    expect(timeline.find((i: { source: string; detail: { state?: string } }) => i.source === 'workflow' && i.detail.state === 'AwaitPayment')).toBeDefined();
    expect(has('payment', 'payment.succeeded')).toBe(true);
    expect(has('payment', 'refund.succeeded')).toBe(true);
    expect(has('carrier', 'DELIVERED')).toBe(true);
    expect(timeline).toContainEqual(expect.objectContaining({ source: 'warehouse', type: 'POST /warehouse/tasks/{orderId}/complete', detail: expect.objectContaining({ sub: 'picker-1', status: 200 }) }));
    expect(timeline).toContainEqual(expect.objectContaining({ source: 'ops', type: 'POST /ops/orders/{orderId}/refunds', detail: expect.objectContaining({ sub: 'operator-1', status: 201 }) }));
    expect(has('event', 'order.paid')).toBe(true);
    expect(timeline.map((i: { at: string }) => i.at)).toEqual([...timeline.map((i: { at: string }) => i.at)].sort());
    const text = JSON.stringify(timeline);
    for (const personal of [ADDRESS.name, ADDRESS.phone, ADDRESS.line1, ADDRESS.postalCode, 'Wang Fang']) expect(text).not.toContain(personal);
    expect((await api.request('GET', `/ops/orders/ord_${'0'.repeat(26)}/timeline`, { token: await ops(api) })).status).toBe(404);
  });
});

describe('operators’ cancel and stuck orders', () => {
  it('cancels a PACKED order (OPS_CANCELLED): refunded, stock back, the workflow ends; not once it shipped', async () => {
    await api.request('POST', '/sandbox/carrier/outage', { body: { down: true } });
    try {
      const sku = await product(api, 3);
      const customer = `oc-${randomUUID().slice(0, 6)}`;
      const orderId = (await placeOrder(api, customer, [{ sku, quantity: 1 }])).body.orderId as string;
      await pay(api, customer, orderId);
      expect((await api.request('POST', `/warehouse/tasks/${orderId}/complete`, { token: await warehouse(api), body: {} })).status).toBe(200);
      await waitForStatus(api, customer, orderId, 'PACKED');
      // The customer may not cancel now; an operator may.
      expect((await api.request('POST', `/orders/${orderId}/cancel`, { token: await api.token(customer) })).status).toBe(409);
      const cancelled = await api.request('POST', `/ops/orders/${orderId}/cancel`, { token: await ops(api), body: { note: 'customer phoned' } });
      expect(cancelled.status).toBe(202);
      const order = await eventually(async () => {
        const current = await getOrder(api, customer, orderId);
        return current.status === 'CANCELLED' && current.payment.status === 'REFUNDED' ? current : null;
      }, 20_000, 'the cancellation and refund');
      expect(order.cancellation.reason).toBe('OPS_CANCELLED');
      expect(order.payment.refunds).toEqual([expect.objectContaining({ reason: 'ORDER_CANCELLED', status: 'SUCCEEDED', amountMinor: 1999 })]);
      expect(await stockOf(api, sku)).toEqual({ available: 3, reserved: 0, sold: 0 });
      await eventually(async () => api.stack.stepFunctions.executions.get(orderId)?.status === 'SUCCEEDED', 15_000, 'the execution to end');
    } finally {
      await api.request('POST', '/sandbox/carrier/outage', { body: { down: false } });
    }
    const sku = await product(api, 2);
    const orderId = (await placeOrder(api, 'oc-shipped', [{ sku, quantity: 1 }])).body.orderId as string;
    await pay(api, 'oc-shipped', orderId);
    await pickAndShip(api, 'oc-shipped', orderId);
    const late = await api.request('POST', `/ops/orders/${orderId}/cancel`, { token: await ops(api) });
    expect([late.status, late.body.code]).toEqual([409, 'INVALID_STATE']);
  });

  it('lists orders with no execution, a failed execution, or past their deadline', async () => {
    const sku = await product(api, 5);
    // Its start given up (the stream's retries spent).
    const stranded = await strandedOrder(api, 'stuck-1', sku);
    const aborted = (await placeOrder(api, 'stuck-2', [{ sku, quantity: 1 }])).body.orderId as string;
    await eventually(async () => api.stack.stepFunctions.executions.has(aborted), 15_000, 'its execution to start');
    const sfn = new SFNClient({ endpoint: api.stack.endpoints.sfn, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await sfn.send(new StopExecutionCommand({ executionArn: api.stack.stepFunctions.executionArn(aborted), error: 'Test.Stopped' }));
    const items = await eventually(async () => {
      const reply = await api.request('GET', '/ops/stuck-orders', { token: await ops(api) });
      return reply.body.items.some((i: { problem: string }) => i.problem === 'NO_EXECUTION') && reply.body.items.some((i: { orderId: string }) => i.orderId === aborted) ? reply.body.items : null;
    }, 15_000, 'both stuck orders');
    expect(items).toContainEqual(expect.objectContaining({ orderId: stranded, status: 'PENDING_PAYMENT', problem: 'NO_EXECUTION', executionStatus: null }));
    expect(items).toContainEqual({ orderId: aborted, status: 'PENDING_PAYMENT', since: expect.any(String), problem: 'EXECUTION_FAILED', executionStatus: 'ABORTED' });
  });
});
