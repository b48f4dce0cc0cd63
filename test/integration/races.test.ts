/**
 * Issue 7's reproductions, each now a test: racing duplicates, crossing warehouse
 * reports, money bounds, carrier backlogs and tampered input. The model-based suite
 * (test/model) covers the same ground by random interleavings; these pin the cases.
 */
import { describe, expect, it } from 'vitest';
import { eventually, useLocalStack } from '../helpers/local-stack.js';
import { getOrder, ops, pay, paymentIdOf, pickAndShip, placeOrder, product, stockOf, waitForRefunded, waitForStatus, warehouse } from '../helpers/shop.js';

const api = useLocalStack();

const writtenOff = async (sku: string) => (await api.request('GET', `/products/${sku}`, { token: await ops(api) })).body.writtenOff as number;

describe('a payment reported many times at once', () => {
  it('pays the order once, refunds nothing, and the order ships', async () => {
    const sku = await product(api, 5);
    const { body } = await placeOrder(api, 'dup-pay', [{ sku, quantity: 2 }]);
    const paymentId = await paymentIdOf(api, 'dup-pay', body.orderId);
    api.stack.sandbox.capture(paymentId, 'succeed');
    // Six notifications at the same instant: three retries of one event, three new events.
    const replies = await Promise.all(
      Array.from({ length: 6 }, (_, i) => api.stack.sandbox.notifyPayment(paymentId, 'succeed', i < 3 ? 'msg_same_event' : undefined)),
    );
    expect(replies.map((r) => r?.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await waitForStatus(api, 'dup-pay', body.orderId, 'PICKING');
    const shipped = await pickAndShip(api, 'dup-pay', body.orderId);
    expect(shipped.payment).toMatchObject({ status: 'SUCCEEDED', refundedMinor: 0, refunds: [] });
    expect(api.stack.sandbox.payments.get(paymentId)).toMatchObject({ status: 'SUCCEEDED', refundedMinor: 0, refunds: [] });
    expect(await stockOf(api, sku)).toEqual({ available: 3, reserved: 0, sold: 2 });
  });
});

describe('a cancel as the payment is being created', () => {
  it('leaves no payable payment at the provider: what it created is closed and recorded, or refunded', async () => {
    const sku = await product(api, 20);
    const orders = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const customer = `early-${i}`;
        const { body } = await placeOrder(api, customer, [{ sku, quantity: 1 }]);
        await new Promise((resolve) => setTimeout(resolve, i * 40));
        expect((await api.request('POST', `/orders/${body.orderId}/cancel`, { token: await api.token(customer) })).status).toBe(202);
        return { customer, orderId: body.orderId as string };
      }),
    );
    for (const { customer, orderId } of orders) {
      await eventually(async () => {
        const order = await getOrder(api, customer, orderId);
        const held = api.stack.sandbox.paymentOf(orderId);
        if (order.status !== 'CANCELLED' || api.stack.stepFunctions.executions.get(orderId)?.status === 'RUNNING') return null;
        // Either no payment was ever created, or the provider's payment is closed and the order says so.
        return !held || (held.status === 'CLOSED' && order.payment?.status === 'CLOSED' && order.payment.paymentId === held.paymentId);
      }, 20_000, `order ${orderId} to settle with its payment closed`);
      const held = api.stack.sandbox.paymentOf(orderId);
      if (held) expect(api.stack.sandbox.payable(held.paymentId)).toBe(false);
    }
    expect(await stockOf(api, sku)).toEqual({ available: 20, reserved: 0, sold: 0 });
  });
});

describe("an operator's cancel of a PACKED order as the shipping stage books it", () => {
  it('the carrier\'s pushes for the waybill it lost are acknowledged, not refused forever, and change nothing', async () => {
    const sku = await product(api, 2);
    const { body } = await placeOrder(api, 'lost-waybill', [{ sku, quantity: 1 }]);
    expect((await api.request('POST', `/orders/${body.orderId}/cancel`, { token: await api.token('lost-waybill') })).status).toBe(202);
    // What the race leaves behind: the waybill booked and its lookup recorded by the
    // shipping stage, whose SHIPPED write then failed on the cancelled order.
    const booked = await api.request('POST', '/sandbox/shipments', { body: { orderId: body.orderId } });
    const { recordShipment } = await import('../../functions/adapters/inbox.js');
    await recordShipment(booked.body.trackingNumber, body.orderId, 'sandbox');
    const pushed = await api.request('POST', `/sandbox/shipments/${booked.body.trackingNumber}/events`, { body: { status: 'PICKED_UP' } });
    // Before: a 500 on every retry ("no shipment recorded yet"), which the carrier retries without end.
    expect(pushed.body.delivered).toMatchObject({ status: 200 });
    const order = await getOrder(api, 'lost-waybill', body.orderId);
    expect(order).toMatchObject({ status: 'CANCELLED', shipment: null });
  });
});

describe('warehouse reports that cross', () => {
  it('shortage, then complete: cancelled and refunded once, units written off, the completion refused', async () => {
    const sku = await product(api, 6);
    const { body } = await placeOrder(api, 'cross-1', [{ sku, quantity: 3 }]);
    await pay(api, 'cross-1', body.orderId);
    const token = await warehouse(api);
    expect((await api.request('POST', `/warehouse/tasks/${body.orderId}/shortage`, { token, body: { items: [{ sku, missing: 1 }] } })).status).toBe(202);
    const complete = await api.request('POST', `/warehouse/tasks/${body.orderId}/complete`, { token });
    expect(complete.status).toBe(409);
    expect(complete.body.code).toBe('INVALID_STATE');
    const order = await waitForRefunded(api, 'cross-1', body.orderId);
    expect(order.fulfilment).toEqual({ shortages: [{ sku, missing: 1 }], resolution: 'CANCEL_ORDER', backorderedSince: null });
    expect(order.payment.refunds).toMatchObject([{ reason: 'ORDER_CANCELLED', status: 'SUCCEEDED', amountMinor: order.totalMinor }]);
    expect(await stockOf(api, sku)).toEqual({ available: 5, reserved: 0, sold: 0 });
    expect(await writtenOff(sku)).toBe(1);
    await eventually(async () => api.stack.stepFunctions.executions.get(body.orderId)?.status === 'SUCCEEDED');
  });

  it('shortage and complete at the same instant: exactly one takes effect and no order strands', async () => {
    const sku = await product(api, 40);
    const token = await warehouse(api);
    const results = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const customer = `cross-${i + 2}`;
        const { body } = await placeOrder(api, customer, [{ sku, quantity: 2 }]);
        await pay(api, customer, body.orderId);
        const shortage = () => api.request('POST', `/warehouse/tasks/${body.orderId}/shortage`, { token, body: { items: [{ sku, missing: 1 }] } });
        const complete = () => api.request('POST', `/warehouse/tasks/${body.orderId}/complete`, { token });
        const [s, c] = i % 2 ? await Promise.all([shortage(), complete()]) : (await Promise.all([complete(), shortage()])).reverse();
        return { customer, orderId: body.orderId as string, shortage: s!.status, complete: c!.status };
      }),
    );
    let cancelled = 0;
    for (const r of results) {
      expect([r.shortage, r.complete].sort()).toEqual(r.shortage === 202 ? [202, 409] : [200, 409]);
      if (r.shortage === 202) {
        cancelled++;
        await waitForRefunded(api, r.customer, r.orderId);
      } else {
        const shipped = await waitForStatus(api, r.customer, r.orderId, 'SHIPPED');
        expect(shipped.payment.status).toBe('SUCCEEDED');
        expect(api.stack.sandbox.payments.get(shipped.payment.paymentId)?.refunds).toEqual([]);
      }
    }
    // Each shortage wrote off one unit; every other unit is sold (shipped) or back on the shelf.
    await eventually(async () => (await stockOf(api, sku)).available === 40 - 2 * (6 - cancelled) - cancelled);
    expect(await stockOf(api, sku)).toEqual({ available: 40 - 2 * (6 - cancelled) - cancelled, reserved: 0, sold: 2 * (6 - cancelled) });
    expect(await writtenOff(sku)).toBe(cancelled);
  });

  it('cancel, then shortage: the shortage is refused and nothing is written off', async () => {
    const sku = await product(api, 4);
    const { body } = await placeOrder(api, 'cross-9', [{ sku, quantity: 2 }]);
    await pay(api, 'cross-9', body.orderId);
    expect((await api.request('POST', `/orders/${body.orderId}/cancel`, { token: await api.token('cross-9') })).status).toBe(202);
    const shortage = await api.request('POST', `/warehouse/tasks/${body.orderId}/shortage`, { token: await warehouse(api), body: { items: [{ sku, missing: 2 }] } });
    expect(shortage.status).toBe(409);
    const order = await waitForRefunded(api, 'cross-9', body.orderId);
    expect(order.cancellation.reason).toBe('CUSTOMER_CANCELLED');
    expect(await stockOf(api, sku)).toEqual({ available: 4, reserved: 0, sold: 0 });
    expect(await writtenOff(sku)).toBe(0);
  });
});

describe('money bounds agree across the system', () => {
  it('an order of 2 x 600,000,000 IDR can be paid', async () => {
    const sku = await product(api, 2, 600_000_000, 'IDR');
    const reply = await api.request('POST', '/orders', {
      token: await api.token('big-spender'),
      headers: { 'idempotency-key': 'big-1' },
      body: { items: [{ sku, quantity: 2, unitPriceMinor: 600_000_000 }], currency: 'IDR', shippingAddress: { name: 'A', phone: '1', line1: 'x', city: 'Jakarta', postalCode: '10110', country: 'ID' }, paymentMethod: 'card' },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.totalMinor).toBe(1_200_000_000);
    const picking = await pay(api, 'big-spender', reply.body.orderId);
    expect(picking.payment).toMatchObject({ status: 'SUCCEEDED', amountMinor: 1_200_000_000 });
  });
});

describe('a carrier replaying a backlog', () => {
  it('40 distinct tracking events for one parcel at once: every one answered 200 and kept once', async () => {
    const sku = await product(api, 1);
    const { body } = await placeOrder(api, 'backlog', [{ sku, quantity: 1 }]);
    await pay(api, 'backlog', body.orderId);
    const shipped = await pickAndShip(api, 'backlog', body.orderId);
    const start = Date.now() - 40 * 60_000;
    const statuses = ['PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY'];
    const events = Array.from({ length: 40 }, (_, i) => ({ status: i === 39 ? 'DELIVERED' : statuses[i % 3]!, occurredAt: new Date(start + i * 60_000).toISOString() }));
    const replies = await Promise.all(events.reverse().map((e) => api.stack.sandbox.trackingEvent(shipped.shipment.trackingNumber, e.status, e.occurredAt)));
    expect(replies.map((r) => r.status)).toEqual(Array(40).fill(200));
    const delivered = await waitForStatus(api, 'backlog', body.orderId, 'DELIVERED');
    expect(delivered.shipment.events).toHaveLength(40);
    expect(delivered.shipment.status).toBe('DELIVERED');
    const order = await getOrder(api, 'backlog', body.orderId);
    expect(new Set(order.shipment.events.map((e: { occurredAt: string }) => e.occurredAt)).size).toBe(40);
  });
});

describe('tampered input', () => {
  const cursor = (value: string) => Buffer.from(value).toString('base64url');

  it('a cursor that is not ours is a 400, never a 5xx', async () => {
    const token = await api.token('tamper');
    for (const tampered of ['{"pk":1e999}', '{"pk":12345678901234567890}', '{"pk":{"S":"x"}}', '{"gsi1pk":"CUSTOMER#someone-else","gsi1sk":"x","pk":"x","sk":"x","extra":"y"}']) {
      for (const path of ['/products', '/orders', '/warehouse/tasks']) {
        const reply = await api.request('GET', `${path}?cursor=${cursor(tampered)}`, { token: path === '/warehouse/tasks' ? await warehouse(api) : token });
        expect(reply.status, `${path} ${tampered}`).toBe(400);
        expect(reply.body.code).toBe('VALIDATION_ERROR');
      }
    }
  });

  it('broken percent-encoding in a path is a 400', async () => {
    const reply = await fetch(`${api.url}/products/%E0%A4%A`);
    expect(reply.status).toBe(400);
    expect(((await reply.json()) as { code: string }).code).toBe('VALIDATION_ERROR');
  });

  it('unknown query and body fields are 400 where none are declared', async () => {
    const sku = await product(api, 1);
    const { body } = await placeOrder(api, 'tamper', [{ sku, quantity: 1 }]);
    const token = await api.token('tamper');
    const expand = await api.request('GET', `/orders/${body.orderId}?expand=all`, { token });
    expect([expand.status, expand.body.code]).toEqual([400, 'VALIDATION_ERROR']);
    const status = await api.request('GET', '/warehouse/tasks?status=ALL', { token: await warehouse(api) });
    expect([status.status, status.body.code]).toEqual([400, 'VALIDATION_ERROR']);
    const cancel = await api.request('POST', `/orders/${body.orderId}/cancel`, { token, body: { reason: 'changed my mind' } });
    expect([cancel.status, cancel.body.code]).toEqual([400, 'VALIDATION_ERROR']);
    expect((await getOrder(api, 'tamper', body.orderId)).status).toBe('PENDING_PAYMENT');
    // An empty object is no field at all.
    expect((await api.request('POST', `/orders/${body.orderId}/cancel`, { token, body: {} })).status).toBe(202);
  });
});

describe('the warehouse task list', () => {
  it('pages with a cursor and visits every open task once', async () => {
    const sku = await product(api, 10);
    const placed = [];
    // Enough orders to land on several of the index's shards.
    for (let i = 0; i < 7; i++) {
      const { body } = await placeOrder(api, `pager-${i}`, [{ sku, quantity: 1 }]);
      await pay(api, `pager-${i}`, body.orderId);
      placed.push(body.orderId as string);
    }
    const seen: { orderId: string; createdAt: string }[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const reply: { status: number; body: { items: { orderId: string; createdAt: string }[]; nextCursor: string | null } } = await api.request('GET', `/warehouse/tasks?limit=2${next ? `&cursor=${next}` : ''}`, { token: await warehouse(api) });
      expect(reply.status).toBe(200);
      seen.push(...reply.body.items);
      next = reply.body.nextCursor;
      pages++;
    } while (next && pages < 100);
    for (const orderId of placed) expect(seen.filter((t) => t.orderId === orderId)).toHaveLength(1);
    expect(new Set(seen.map((t) => t.orderId)).size).toBe(seen.length);
    // Oldest first across pages, though the tasks sit on different shards.
    expect(seen.map((t) => t.createdAt)).toEqual([...seen.map((t) => t.createdAt)].sort());
    for (const bad of ['nope', Buffer.from(JSON.stringify({ after: ['x'] })).toString('base64url'), Buffer.from('{"pk":"PICKTASK#OPEN"}').toString('base64url')]) {
      const reply = await api.request('GET', `/warehouse/tasks?cursor=${bad}`, { token: await warehouse(api) });
      expect([reply.status, reply.body.code]).toEqual([400, 'VALIDATION_ERROR']);
    }
  });
});
