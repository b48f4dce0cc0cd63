/**
 * Events to other systems (API.md "Events to other systems"): every change of a full
 * lifecycle, a cancellation, refunds and a return delivered to a receiver this test runs,
 * signed with the endpoint's secret, sequenced per order without gaps; failures retried
 * on the schedule until delivered or FAILED, then retried by an operator; a slow
 * endpoint delays neither orders nor other endpoints; forbidden URLs refused.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, useLocalStack } from '../helpers/local-stack.js';
import { deliver, getOrder, ops, pay, pickAndShip, placeOrder, product, warehouse, waitForStatus } from '../helpers/shop.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

// Three retries a second apart, then FAILED: the schedule's shape, in seconds not hours.
const api = useLocalStack({ env: { WEBHOOK_RETRY_SCHEDULE_SECONDS: '1,1,1', RETURN_WINDOW_SECONDS: '600' } }, { validateResponses: true });
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => receiver?.stop());

async function subscribe(path: string, events: string[] = ['*']) {
  const reply = await api.request('POST', '/ops/webhook-endpoints', { token: await ops(api), body: { url: receiver.url(path), events, description: `test ${path}` } });
  expect(reply.status).toBe(201);
  receiver.secrets.set(path, reply.body.secret);
  return reply.body as { endpointId: string; secret: string; url: string; events: string[] };
}

/** The events of one order a path received (first arrival of each event), in sequence order. */
function eventsOf(path: string, orderId: string) {
  const seen = new Map<string, (typeof receiver.received)[number]>();
  for (const r of receiver.at(path)) {
    const id = r.event.data.order?.orderId ?? r.event.data.return?.orderId;
    if (id === orderId && !seen.has(r.event.id)) seen.set(r.event.id, r);
  }
  return [...seen.values()].sort((a, b) => a.event.sequence - b.event.sequence);
}

const typesOf = (path: string, orderId: string) => eventsOf(path, orderId).map((r) => r.event.type);

async function waitForTypes(path: string, orderId: string, types: string[]) {
  return eventually(async () => types.every((t) => typesOf(path, orderId).includes(t)), 20_000, `${types.join(', ')} at ${path} for ${orderId}`);
}

describe('events to other systems', () => {
  it('delivers every change of a lifecycle and a return, signed, sequenced per order without gaps', async () => {
    await subscribe('/all');
    const customer = `evt-${randomUUID().slice(0, 6)}`;
    const sku = await product(api, 5);
    const placed = await placeOrder(api, customer, [{ sku, quantity: 2 }]);
    const orderId = placed.body.orderId as string;
    await pay(api, customer, orderId);
    const shipped = await pickAndShip(api, customer, orderId);
    await deliver(api, customer, orderId, shipped.shipment.trackingNumber);
    const returned = await api.request('POST', `/orders/${orderId}/returns`, { token: await api.token(customer), headers: { 'idempotency-key': randomUUID() }, body: { items: [{ sku, quantity: 1, reason: 'NO_LONGER_NEEDED' }] } });
    expect(returned.status).toBe(201);
    await api.request('POST', `/ops/returns/${returned.body.returnId}/approve`, { token: await ops(api), body: {} });
    const received = await api.request('POST', `/warehouse/returns/${returned.body.returnId}/receive`, { token: await warehouse(api), body: { items: [{ sku, quantity: 1, condition: 'RESELLABLE' }] } });
    expect(received.body.status).toBe('REFUNDED');
    expect((await api.request('POST', `/orders/${orderId}/confirm-receipt`, { token: await api.token(customer) })).status).toBe(200);

    const lifecycle = ['order.created', 'order.paid', 'order.picking', 'order.packed', 'order.shipped', 'shipment.updated', 'order.delivered', 'return.requested', 'return.approved', 'return.received', 'payment.refunded', 'return.refunded', 'order.completed'];
    await waitForTypes('/all', orderId, lifecycle);
    const events = eventsOf('/all', orderId);
    // Exactly one event per change, numbered 1..n with no gap.
    expect(events.map((r) => r.event.sequence)).toEqual(events.map((_, i) => i + 1));
    expect(new Set(events.map((r) => r.event.type)).size).toBe(events.filter((r) => r.event.type !== 'shipment.updated').length + (events.some((r) => r.event.type === 'shipment.updated') ? 1 : 0));
    // Order of the status events is the order of the lifecycle.
    const statuses = events.map((r) => r.event.type).filter((t) => t.startsWith('order.'));
    expect(statuses).toEqual(['order.created', 'order.paid', 'order.picking', 'order.packed', 'order.shipped', 'order.delivered', 'order.completed']);
    for (const r of events) {
      expect(r.verified).toBe(true);
      expect(r.headers['webhook-id']).toBe(r.event.id);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.event.id).toMatch(/^evt_/);
      if (r.event.data.order) {
        expect(r.event.data.order.orderId).toBe(orderId);
        expect(r.event.data.order).not.toHaveProperty('shippingAddress');
      }
    }
    const paid = events.find((r) => r.event.type === 'order.paid')!;
    expect(paid.event.data.order.status).toBe('PAID');
    const refunded = events.find((r) => r.event.type === 'payment.refunded')!;
    expect(refunded.event.data.order.payment.refunds).toEqual([expect.objectContaining({ reason: 'RETURN', status: 'SUCCEEDED', amountMinor: 1999 })]);
    expect(events.find((r) => r.event.type === 'return.refunded')!.event.data.return).toMatchObject({ returnId: returned.body.returnId, status: 'REFUNDED' });
  });

  it('delivers a cancellation and its refund; an endpoint gets only the types it subscribed to', async () => {
    await subscribe('/cancellations', ['order.cancelled', 'payment.refunded']);
    const customer = `evt-c-${randomUUID().slice(0, 6)}`;
    const sku = await product(api, 5);
    const unpaid = (await placeOrder(api, customer, [{ sku, quantity: 1 }])).body.orderId as string;
    const paidOne = (await placeOrder(api, customer, [{ sku, quantity: 1 }])).body.orderId as string;
    await pay(api, customer, paidOne);
    for (const orderId of [unpaid, paidOne]) expect([200, 202]).toContain((await api.request('POST', `/orders/${orderId}/cancel`, { token: await api.token(customer) })).status);
    await waitForTypes('/cancellations', unpaid, ['order.cancelled']);
    await waitForTypes('/cancellations', paidOne, ['order.cancelled', 'payment.refunded']);
    expect(typesOf('/cancellations', unpaid)).toEqual(['order.cancelled']);
    expect(typesOf('/cancellations', paidOne).sort()).toEqual(['order.cancelled', 'payment.refunded']);
    const cancelled = eventsOf('/cancellations', paidOne).find((r) => r.event.type === 'order.cancelled')!;
    expect(cancelled.event.data.order.cancellation.reason).toBe('CUSTOMER_CANCELLED');
    // The /all endpoint saw the same events with the same ids and sequences.
    await waitForTypes('/all', paidOne, ['order.created', 'order.paid', 'order.picking', 'order.cancelled', 'payment.refunded']);
    const all = eventsOf('/all', paidOne);
    expect(all.map((r) => r.event.sequence)).toEqual(all.map((_, i) => i + 1));
    for (const r of eventsOf('/cancellations', paidOne)) expect(all.find((a) => a.event.id === r.event.id)?.event.sequence).toBe(r.event.sequence);
  });

  it('publishes stock.low when available falls to the threshold, sequenced per product', async () => {
    await subscribe('/stock', ['stock.low']);
    const token = await ops(api);
    const sku = await product(api, 0);
    expect((await api.request('PUT', `/products/${sku}`, { token, body: { name: 'Low tea', priceMinor: 1999, currency: 'CNY', lowStockThreshold: 3 } })).body.lowStockThreshold).toBe(3);
    await api.request('POST', `/products/${sku}/restock`, { token, body: { quantity: 5 } });
    const customer = `evt-l-${randomUUID().slice(0, 6)}`;
    const lowOf = () => receiver.at('/stock').filter((r) => r.event.data.product?.sku === sku);
    const a = (await placeOrder(api, customer, [{ sku, quantity: 2 }])).body.orderId; // 5 -> 3: low
    const b = (await placeOrder(api, customer, [{ sku, quantity: 1 }])).body.orderId; // 3 -> 2: still low, no event
    await eventually(async () => lowOf().length >= 1, 10_000, 'the first stock.low');
    for (const orderId of [a, b]) await api.request('POST', `/orders/${orderId}/cancel`, { token: await api.token(customer) }); // back to 5
    await placeOrder(api, customer, [{ sku, quantity: 3 }]); // 5 -> 2: low again
    await eventually(async () => lowOf().length >= 2, 10_000, 'the second stock.low');
    expect(lowOf().map((r) => [r.event.sequence, r.event.data.product.available, r.event.data.product.lowStockThreshold])).toEqual([
      [1, 3, 3],
      [2, 2, 3],
    ]);
    expect(lowOf().every((r) => r.verified)).toBe(true);
  });

  it('publishes stock.low once per fall for a sharded SKU too, judged on its totals', async () => {
    await subscribe('/stock-sharded', ['stock.low']);
    const sku = await product(api, 8, 1999, 'CNY', { stockShards: 4, lowStockThreshold: 3 });
    const customer = `evt-s-${randomUUID().slice(0, 6)}`;
    const lowOf = () => receiver.at('/stock-sharded').filter((r) => r.event.data.product?.sku === sku);
    // 8 -> 2 in six one-unit orders on several shards at once: one fall, one event.
    const first = await Promise.all(Array.from({ length: 6 }, () => placeOrder(api, customer, [{ sku, quantity: 1 }])));
    await eventually(async () => lowOf().length >= 1, 10_000, 'the first sharded stock.low');
    for (const reply of first) await api.request('POST', `/orders/${reply.body.orderId}/cancel`, { token: await api.token(customer) }); // back to 8
    await eventually(async () => (await api.request('GET', `/products/${sku}`)).body.available === 8, 10_000, 'stock back to 8');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await placeOrder(api, customer, [{ sku, quantity: 6 }]); // 8 -> 2: low again
    await eventually(async () => lowOf().length >= 2, 10_000, 'the second sharded stock.low');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const events = lowOf();
    expect(events.map((r) => r.event.sequence)).toEqual([1, 2]);
    for (const r of events) {
      expect(r.event.data.product).toMatchObject({ sku, stockShards: 4, lowStockThreshold: 3 });
      expect(r.event.data.product.available).toBeLessThanOrEqual(3);
      expect(r.event.data.product.available + r.event.data.product.reserved).toBe(8);
    }
  });

  it('retries failed attempts until one succeeds, then shows the delivery DELIVERED', async () => {
    const endpoint = await subscribe('/flaky', ['order.created']);
    receiver.behaviour.set('/flaky', (_r, attempt) => ({ status: attempt <= 2 ? 500 : 200 }));
    const customer = `evt-f-${randomUUID().slice(0, 6)}`;
    const orderId = (await placeOrder(api, customer, [{ sku: await product(api, 2), quantity: 1 }])).body.orderId as string;
    const delivery = await eventually(async () => {
      const list = await api.request('GET', `/ops/webhook-endpoints/${endpoint.endpointId}/deliveries?status=DELIVERED`, { token: await ops(api) });
      return list.body.items.find((d: { type: string }) => d.type === 'order.created');
    }, 20_000, 'the flaky delivery');
    expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: 3, lastResponseStatus: 200 });
    const attempts = receiver.at('/flaky').filter((r) => r.event.data.order.orderId === orderId);
    expect(attempts.map((r) => r.answered)).toEqual([500, 500, 200]);
    // Every attempt is signed again (its own timestamp) for the same event id.
    expect(new Set(attempts.map((r) => r.event.id)).size).toBe(1);
    expect(attempts.every((r) => r.verified)).toBe(true);
  });

  it('marks a delivery FAILED when the schedule is spent; an operator retry sends it again', async () => {
    const endpoint = await subscribe('/down', ['order.created']);
    let up = false;
    receiver.behaviour.set('/down', () => ({ status: up ? 204 : 503 }));
    const customer = `evt-d-${randomUUID().slice(0, 6)}`;
    await placeOrder(api, customer, [{ sku: await product(api, 2), quantity: 1 }]);
    const token = await ops(api);
    const failed = await eventually(async () => (await api.request('GET', `/ops/webhook-endpoints/${endpoint.endpointId}/deliveries?status=FAILED`, { token })).body.items[0], 20_000, 'a FAILED delivery');
    expect(failed).toMatchObject({ status: 'FAILED', attempts: 4, lastResponseStatus: 503, type: 'order.created' });
    expect((await api.request('GET', `/ops/webhook-endpoints/${endpoint.endpointId}/deliveries?status=PENDING`, { token })).body.items).toEqual([]);

    up = true;
    const retry = await api.request('POST', `/ops/webhook-endpoints/${endpoint.endpointId}/deliveries/${failed.eventId}/retry`, { token });
    expect(retry.status).toBe(202);
    const delivered = await eventually(async () => (await api.request('GET', `/ops/webhook-endpoints/${endpoint.endpointId}/deliveries?status=DELIVERED`, { token })).body.items[0], 10_000, 'the retried delivery');
    expect(delivered).toMatchObject({ eventId: failed.eventId, status: 'DELIVERED', attempts: 5, lastResponseStatus: 204 });
    const unknown = await api.request('POST', `/ops/webhook-endpoints/${endpoint.endpointId}/deliveries/evt_${'0'.repeat(32)}/retry`, { token });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('keeps orders and other endpoints moving while one endpoint is slow', async () => {
    await subscribe('/slow', ['order.created', 'order.paid']);
    await subscribe('/fast', ['order.created', 'order.paid']);
    // Longer than the 10 s a delivery may take: every attempt there times out.
    receiver.behaviour.set('/slow', () => ({ status: 200, delayMs: 25_000 }));
    const customer = `evt-s-${randomUUID().slice(0, 6)}`;
    const sku = await product(api, 10);
    const orders: string[] = [];
    for (let i = 0; i < 3; i++) orders.push((await placeOrder(api, customer, [{ sku, quantity: 1 }])).body.orderId);
    for (const orderId of orders) await pay(api, customer, orderId);
    for (const orderId of orders) await waitForTypes('/fast', orderId, ['order.created', 'order.paid']);
    // Every order is paid and every fast delivery made while the slow endpoint has not answered once.
    expect(receiver.at('/slow').filter((r) => r.answered !== null)).toEqual([]);
    for (const orderId of orders) expect((await getOrder(api, customer, orderId)).status).not.toBe('PENDING_PAYMENT');
  });

  it('refuses URLs that are not https or point at private, loopback, link-local or metadata addresses', async () => {
    const token = await ops(api);
    const port = new URL(receiver.url('/')).port;
    const unsafe = [
      'http://example.com/hooks',
      `https://localhost:${port}/hooks`,
      // Passes the rules on names; its DNS answer (loopback, or none) is what refuses it.
      `https://localhost.:${port}/hooks`,
      `http://localhost:${port}/hooks`,
      'https://127.0.0.1/hooks',
      `https://[::1]:${port}/hooks`,
      'https://10.0.0.8/hooks',
      'https://172.16.5.4/hooks',
      'https://192.168.1.20/hooks',
      'https://169.254.169.254/latest/meta-data/',
      'https://[fd00:ec2::254]/latest/meta-data/',
      'https://[fe80::1]/hooks',
      'https://[::ffff:169.254.169.254]/hooks',
      'https://0x7f000001/hooks',
      'https://0.0.0.0/hooks',
      'https://100.100.100.200/latest/meta-data/',
      'https://metadata.google.internal/computeMetadata/v1/',
      'https://user:secret@hooks.example.com/in',
    ];
    for (const url of unsafe) {
      const reply = await api.request('POST', '/ops/webhook-endpoints', { token, body: { url, events: ['*'] } });
      expect([url, reply.status, reply.body.code]).toEqual([url, 422, 'UNSAFE_URL']);
    }
    expect(receiver.received.filter((r) => r.path === '/hooks')).toEqual([]);
    const listed = await api.request('GET', '/ops/webhook-endpoints', { token });
    expect(listed.body.items.filter((e: { url: string }) => unsafe.includes(e.url))).toEqual([]);
    // The same check again at the connection, on the DNS answer the socket is given.
    const { guardedLookup } = await import('../../functions/adapters/webhook-sender.js');
    const looked = await new Promise<unknown>((resolve) => guardedLookup('localhost', { all: true }, (error) => resolve(error)));
    expect(String(looked)).toMatch(/localhost resolves to a forbidden address/);
    // Locally, http://127.0.0.1:<port>/... is the one exception (API.md).
    expect((await api.request('POST', '/ops/webhook-endpoints', { token, body: { url: `http://127.0.0.1:${port}/ok`, events: ['stock.low'] } })).status).toBe(201);
  });

  it('validates registrations, hides secrets in the list, and stops sending after a delete', async () => {
    const token = await ops(api);
    const bad = [{ url: receiver.url('/x'), events: ['order.unknown'] }, { url: receiver.url('/x'), events: [] }, { url: receiver.url('/x'), events: ['*'], secret: 'mine' }, { events: ['*'] }];
    for (const body of bad) expect((await api.request('POST', '/ops/webhook-endpoints', { token, body })).body.code).toBe('VALIDATION_ERROR');
    expect((await api.request('POST', '/ops/webhook-endpoints', { token: await api.token('shopper'), body: { url: receiver.url('/x'), events: ['*'] } })).status).toBe(403);

    const endpoint = await subscribe('/deleted', ['order.created']);
    expect(endpoint.secret).toMatch(/^whsec_/);
    const listed = await api.request('GET', '/ops/webhook-endpoints', { token });
    const shown = listed.body.items.find((e: { endpointId: string }) => e.endpointId === endpoint.endpointId);
    expect(shown).toEqual({ endpointId: endpoint.endpointId, url: receiver.url('/deleted'), events: ['order.created'], description: 'test /deleted', createdAt: expect.any(String) });
    expect((await api.request('DELETE', `/ops/webhook-endpoints/${endpoint.endpointId}`, { token })).status).toBe(204);
    expect((await api.request('DELETE', `/ops/webhook-endpoints/${endpoint.endpointId}`, { token })).status).toBe(404);
    const customer = `evt-x-${randomUUID().slice(0, 6)}`;
    const orderId = (await placeOrder(api, customer, [{ sku: await product(api, 2), quantity: 1 }])).body.orderId as string;
    await waitForTypes('/all', orderId, ['order.created']);
    await waitForStatus(api, customer, orderId, 'PENDING_PAYMENT');
    expect(receiver.at('/deleted')).toEqual([]);
  });
});
