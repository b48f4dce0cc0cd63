/**
 * Kuaidi100 for SF Express, ZTO and EMS, over HTTP against the local stack: the real
 * adapter books waybills and subscribes tracking at Kuaidi100's stand-in, which pushes
 * the whole history as signed forms (API.md "Carrier webhooks").
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isoToShanghai } from '../../functions/core/carriers.js';
import { ADDRESS, getOrder, ops, pay, pickAndShip, product, waitForStatus } from '../helpers/shop.js';
import { eventually, useLocalStack, type Api } from '../helpers/local-stack.js';

const RULES = [
  { region: 'Zhejiang', carrier: 'zhongtong' },
  { postalCodePrefix: '85', carrier: 'ems' },
];
const api = useLocalStack({
  env: { CARRIER: 'shunfeng', CARRIER_RULES: JSON.stringify(RULES), KUAIDI100_RESUBSCRIBE_SECONDS: '1', RECONCILE_GRACE_SECONDS: '0', RECONCILE_INTERVAL_SECONDS: '3600' },
  // A refused booking comes back quickly (the outage test).
  visibilityTimeoutSeconds: 2,
});

const DESTINATIONS = {
  shunfeng: ADDRESS,
  zhongtong: { ...ADDRESS, region: 'Zhejiang', city: 'Hangzhou', line1: '18 Wensan Road', postalCode: '310012' },
  ems: { ...ADDRESS, region: 'Tibet', city: 'Lhasa', line1: '1 Beijing Middle Road', postalCode: '850000' },
};

/** An order to the destination, paid, picked and shipped: returns its order id and shipment. */
async function shipped(api: Api, customer: string, destination: typeof ADDRESS) {
  const sku = await product(api, 5);
  const placed = await api.request('POST', '/orders', {
    token: await api.token(customer),
    headers: { 'idempotency-key': randomUUID() },
    body: { items: [{ sku, quantity: 1, unitPriceMinor: 1999 }], currency: 'CNY', shippingAddress: destination, paymentMethod: 'alipay' },
  });
  expect(placed.status).toBe(201);
  await pay(api, customer, placed.body.orderId);
  const order = await pickAndShip(api, customer, placed.body.orderId);
  return { orderId: placed.body.orderId as string, shipment: order.shipment as { carrier: string; trackingNumber: string } };
}

const at = (minutes: number) => isoToShanghai(new Date(Date.UTC(2026, 10, 28, 4, minutes)).toISOString());
const push = (api: Api, body: { rawBody: string; headers: Record<string, string> }) => api.request('POST', '/webhooks/carriers/kuaidi100', body);
const ANSWER = { result: true, returnCode: '200', message: '成功' };

describe('Kuaidi100', () => {
  it.each(Object.entries(DESTINATIONS))('carries an order through %s, from waybill to COMPLETED', async (company, destination) => {
    const customer = `ship-${company}`;
    const { orderId, shipment } = await shipped(api, customer, destination);
    expect(shipment.carrier).toBe(company);
    const subscription = api.stack.carriers.kuaidi100.subscriptions.get(shipment.trackingNumber);
    expect(subscription).toMatchObject({ company, callbackurl: `${api.url}/webhooks/carriers/kuaidi100` });
    for (const status of ['PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED']) {
      const reply = await api.request('POST', `/sandbox/shipments/${shipment.trackingNumber}/events`, { body: { status } });
      expect(reply.body.delivered).toMatchObject({ status: 200, body: ANSWER });
    }
    const delivered = await waitForStatus(api, customer, orderId, 'DELIVERED');
    expect(delivered.shipment).toMatchObject({ carrier: company, status: 'DELIVERED' });
    expect(delivered.shipment.events.map((e: { status: string }) => e.status)).toEqual(['PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED']);
    expect((await api.request('POST', `/orders/${orderId}/confirm-receipt`, { token: await api.token(customer) })).status).toBe(200);
    await waitForStatus(api, customer, orderId, 'COMPLETED');
  });

  it('maps every state code, each push moving the status to its newest entry', async () => {
    const { orderId, shipment } = await shipped(api, 'states', DESTINATIONS.zhongtong);
    const kuaidi100 = api.stack.carriers.kuaidi100;
    const steps: [string, string][] = [
      ['1', 'PICKED_UP'],
      ['0', 'IN_TRANSIT'],
      ['7', 'IN_TRANSIT'],
      ['2', 'EXCEPTION'],
      ['4', 'EXCEPTION'],
      ['6', 'RETURNED_TO_SENDER'],
      ['5', 'OUT_FOR_DELIVERY'],
      ['3', 'DELIVERED'],
    ];
    for (const [i, [code, status]] of steps.entries()) {
      kuaidi100.record(shipment.trackingNumber, [{ ftime: at(i), statusCode: code }]);
      expect((await push(api, kuaidi100.pushFor(shipment.trackingNumber)!)).body).toEqual(ANSWER);
      expect((await getOrder(api, 'states', orderId)).shipment.status).toBe(status);
    }
    // Without per-entry codes (no resultv2), the newest entry takes the parcel's state, older ones are in transit.
    const plain = await shipped(api, 'states-plain', DESTINATIONS.ems);
    kuaidi100.record(plain.shipment.trackingNumber, [{ ftime: at(1), statusCode: '1' }, { ftime: at(2), statusCode: '5' }]);
    await push(api, kuaidi100.pushFor(plain.shipment.trackingNumber, { withoutCodes: true, state: '5' })!);
    const read = (await getOrder(api, 'states-plain', plain.orderId)).shipment;
    expect(read.events.map((e: { status: string }) => e.status)).toEqual(['IN_TRANSIT', 'OUT_FOR_DELIVERY']);
    expect(read.status).toBe('OUT_FOR_DELIVERY');
    expect((await getOrder(api, 'states', orderId)).status).toBe('DELIVERED');
  });

  it('applies out-of-order, duplicate and whole-history pushes once each, never moving the status back', async () => {
    const { orderId, shipment } = await shipped(api, 'ordering', DESTINATIONS.shunfeng);
    const kuaidi100 = api.stack.carriers.kuaidi100;
    const tn = shipment.trackingNumber;
    const picked = { ftime: at(1), statusCode: '1' };
    const moving = { ftime: at(2), statusCode: '0' };
    const outForDelivery = { ftime: at(3), statusCode: '5' };
    await push(api, kuaidi100.pushFor(tn, { entries: [picked, outForDelivery] })!);
    const late = kuaidi100.pushFor(tn, { entries: [moving] })!;
    expect((await push(api, late)).body).toEqual(ANSWER);
    expect((await push(api, late)).body).toEqual(ANSWER); // the same push again
    const whole = await push(api, kuaidi100.pushFor(tn, { status: 'updateall', entries: [picked, moving, outForDelivery] })!);
    expect(whole.body).toEqual(ANSWER);
    const order = await getOrder(api, 'ordering', orderId);
    expect(order.shipment.status).toBe('OUT_FOR_DELIVERY');
    expect(order.shipment.events).toHaveLength(3);
    expect(new Set(order.shipment.events.map((e: { occurredAt: string }) => e.occurredAt)).size).toBe(3);
    // Beijing time in, UTC out.
    expect(order.shipment.events.map((e: { occurredAt: string }) => e.occurredAt).sort()[0]).toBe('2026-11-28T04:01:00.000Z');
    expect(order.status).toBe('SHIPPED');
  });

  it('refuses a push with a bad or missing sign with 401 and records nothing', async () => {
    const { orderId, shipment } = await shipped(api, 'forged', DESTINATIONS.shunfeng);
    const kuaidi100 = api.stack.carriers.kuaidi100;
    kuaidi100.record(shipment.trackingNumber, [{ ftime: at(1), statusCode: '3' }]);
    for (const sign of ['bad', 'missing'] as const) {
      const reply = await push(api, kuaidi100.pushFor(shipment.trackingNumber, { sign })!);
      expect([reply.status, reply.body.code]).toEqual([401, 'INVALID_SIGNATURE']);
    }
    const genuine = kuaidi100.pushFor(shipment.trackingNumber)!;
    const fields = new URLSearchParams(genuine.rawBody);
    fields.set('param', fields.get('param')!.replace('"state":"3"', '"state":"0"'));
    const tampered = await push(api, { ...genuine, rawBody: fields.toString() });
    expect(tampered.status).toBe(401);
    const order = await getOrder(api, 'forged', orderId);
    expect(order).toMatchObject({ status: 'SHIPPED', shipment: { status: null, events: [] } });
  });

  it('subscribes again when Kuaidi100 aborts the tracking, and reports one it keeps aborting', async () => {
    const { orderId, shipment } = await shipped(api, 'aborted', DESTINATIONS.shunfeng);
    const kuaidi100 = api.stack.carriers.kuaidi100;
    const tn = shipment.trackingNumber;
    expect((await push(api, kuaidi100.pushFor(tn, { status: 'abort', message: '3天查询无记录', entries: [] })!)).body).toEqual(ANSWER);
    kuaidi100.forget(tn); // Kuaidi100 stops tracking it
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const report = await api.request('POST', '/ops/reconcile', { token: await ops(api) });
    expect(report.body.repaired).toEqual(expect.arrayContaining([{ orderId, action: 'resubscribed-tracking' }]));
    expect(kuaidi100.subscriptions.get(tn)).toMatchObject({ company: 'shunfeng' });
    // Tracking flows again.
    await api.request('POST', `/sandbox/shipments/${tn}/events`, { body: { status: 'DELIVERED' } });
    await waitForStatus(api, 'aborted', orderId, 'DELIVERED');

    // A parcel whose tracking keeps being aborted goes to an operator after three tries.
    const stuck = await shipped(api, 'aborted-again', DESTINATIONS.ems);
    for (let attempt = 0; attempt < 4; attempt++) {
      await push(api, kuaidi100.pushFor(stuck.shipment.trackingNumber, { status: 'abort', message: `60天无变化 ${attempt}`, entries: [] })!);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await api.request('POST', '/ops/reconcile', { token: await ops(api) });
    }
    const last = await api.request('POST', '/ops/reconcile', { token: await ops(api) });
    expect(last.body.stranded).toEqual(expect.arrayContaining([expect.objectContaining({ orderId: stuck.orderId, status: 'SHIPPED', problem: expect.stringMatching(/gave up tracking 4 times: 60天无变化 3/) })]));
  });

  it('answers a burst of pushes for one parcel, all 2xx, each event kept once', async () => {
    const { orderId, shipment } = await shipped(api, 'burst', DESTINATIONS.zhongtong);
    const kuaidi100 = api.stack.carriers.kuaidi100;
    const entries = Array.from({ length: 30 }, (_, i) => ({ ftime: at(i), statusCode: i === 0 ? '1' : '0' }));
    // Each push carries the history up to its event, as Kuaidi100's would; they all arrive at once.
    const pushes = entries.map((_, i) => kuaidi100.pushFor(shipment.trackingNumber, { entries: entries.slice(0, i + 1) })!);
    const replies = await Promise.all([...pushes, ...pushes.slice(0, 5)].map((body) => push(api, body)));
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    const order = await eventually(async () => {
      const current = await getOrder(api, 'burst', orderId);
      return current.shipment.events.length === 30 ? current : null;
    });
    expect(order.shipment.status).toBe('IN_TRANSIT');
    expect(order.shipment.events[0]).toMatchObject({ status: 'PICKED_UP' });
  });

  it('refuses bookings during a carrier outage, and the shipping stage books once it is over', async () => {
    expect((await api.request('POST', '/sandbox/carrier/outage', { body: { down: true } })).body).toEqual({ down: true });
    try {
      const sku = await product(api, 1);
      const placed = await api.request('POST', '/orders', {
        token: await api.token('outage'),
        headers: { 'idempotency-key': randomUUID() },
        body: { items: [{ sku, quantity: 1, unitPriceMinor: 1999 }], currency: 'CNY', shippingAddress: ADDRESS, paymentMethod: 'alipay' },
      });
      await pay(api, 'outage', placed.body.orderId);
      const picked = await api.request('POST', `/warehouse/tasks/${placed.body.orderId}/complete`, { token: await api.token('picker-1', ['warehouse']), body: {} });
      expect(picked.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await getOrder(api, 'outage', placed.body.orderId)).status).toBe('PACKED');
      await api.request('POST', '/sandbox/carrier/outage', { body: { down: false } });
      const shipped = await waitForStatus(api, 'outage', placed.body.orderId, 'SHIPPED', 30_000);
      expect(shipped.shipment.carrier).toBe('shunfeng');
    } finally {
      await api.request('POST', '/sandbox/carrier/outage', { body: { down: false } });
    }
  });
});
