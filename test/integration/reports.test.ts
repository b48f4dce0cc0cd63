/**
 * Daily reports (API.md "Reports"): figures equal exactly what the test did, with
 * duplicated payment notifications and a change published again as a redelivered stream
 * record would be; JSON and CSV agree; ranges are checked.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventually, useLocalStack } from '../helpers/local-stack.js';
import { deliver, ops, paymentIdOf, pickAndShip, placeOrder, product, waitForRefunded, waitForStatus, warehouse } from '../helpers/shop.js';
import { dayIn } from '../../functions/core/reports.js';

const api = useLocalStack({ env: { PAYMENT_TIMEOUT_SECONDS: '8', RETURN_WINDOW_SECONDS: '600' } }, { validateResponses: true });
const ZONE = 'Asia/Shanghai';
const shift = (days: number) => dayIn(ZONE, new Date(Date.now() + days * 86_400_000));

/** The range's days added up (a test that runs across midnight in Shanghai splits over two days). */
function total(days: any[]) {
  const sum = (pick: (d: any) => number) => days.reduce((n, d) => n + pick(d), 0);
  const money = (field: string) => sum((d) => d.money.CNY?.[field] ?? 0);
  return {
    ordersPlaced: sum((d) => d.ordersPlaced),
    ordersPaid: sum((d) => d.ordersPaid),
    ordersShipped: sum((d) => d.ordersShipped),
    ordersDelivered: sum((d) => d.ordersDelivered),
    ordersCompleted: sum((d) => d.ordersCompleted),
    ordersCancelled: Object.fromEntries(Object.keys(days[0].ordersCancelled).map((reason) => [reason, sum((d) => d.ordersCancelled[reason])])),
    unitsSold: sum((d) => d.unitsSold),
    returnsRequested: sum((d) => d.returnsRequested),
    returnsRefunded: sum((d) => d.returnsRefunded),
    capturedMinor: money('capturedMinor'),
    refundedMinor: money('refundedMinor'),
    netMinor: money('netMinor'),
    toPaid: sum((d) => d.stageSeconds.toPaid.count),
    toShipped: sum((d) => d.stageSeconds.toShipped.count),
    toCompleted: sum((d) => d.stageSeconds.toCompleted.count),
  };
}

async function report() {
  return api.request('GET', `/ops/reports/daily?from=${shift(-1)}&to=${shift(1)}`, { token: await ops(api) });
}

describe('daily reports', () => {
  it('count exactly what happened, once, whatever was duplicated or redelivered', async () => {
    const sku = await product(api, 20);
    const customer = `rep-${randomUUID().slice(0, 6)}`;
    const token = await api.token(customer);
    const place = async (quantity: number) => (await placeOrder(api, customer, [{ sku, quantity }])).body.orderId as string;
    const payTwice = async (orderId: string) => {
      const paymentId = await paymentIdOf(api, customer, orderId);
      // The provider's notification arrives twice (a retry): one payment, counted once.
      await api.request('POST', `/sandbox/payments/${paymentId}/succeed`);
      await api.request('POST', `/sandbox/payments/${paymentId}/succeed`);
      await waitForStatus(api, customer, orderId, 'PICKING');
    };

    // 1: two units, paid, shipped, delivered, one unit returned and refunded, completed.
    const first = await place(2);
    await payTwice(first);
    const shipped = await pickAndShip(api, customer, first);
    await deliver(api, customer, first, shipped.shipment.trackingNumber);
    const ret = await api.request('POST', `/orders/${first}/returns`, { token, headers: { 'idempotency-key': randomUUID() }, body: { items: [{ sku, quantity: 1, reason: 'DAMAGED' }] } });
    await api.request('POST', `/ops/returns/${ret.body.returnId}/approve`, { token: await ops(api), body: {} });
    expect((await api.request('POST', `/warehouse/returns/${ret.body.returnId}/receive`, { token: await warehouse(api), body: { items: [{ sku, quantity: 1, condition: 'RESELLABLE' }] } })).body.status).toBe('REFUNDED');
    expect((await api.request('POST', `/orders/${first}/confirm-receipt`, { token })).status).toBe(200);
    // 2: paid, then cancelled by the customer: refunded.
    const second = await place(1);
    await payTwice(second);
    await api.request('POST', `/orders/${second}/cancel`, { token });
    await waitForRefunded(api, customer, second);
    // 3: never paid: the deadline cancels it. 4: cancelled before paying.
    const third = await place(1);
    const fourth = await place(1);
    await api.request('POST', `/orders/${fourth}/cancel`, { token });
    await waitForStatus(api, customer, third, 'CANCELLED', 30_000);

    const expected = {
      ordersPlaced: 4,
      ordersPaid: 2,
      ordersShipped: 1,
      ordersDelivered: 1,
      ordersCompleted: 1,
      ordersCancelled: { CUSTOMER_CANCELLED: 2, PAYMENT_TIMEOUT: 1, PAYMENT_FAILED: 0, OUT_OF_STOCK: 0, OPS_CANCELLED: 0 },
      unitsSold: 3,
      returnsRequested: 1,
      returnsRefunded: 1,
      capturedMinor: 3 * 1999,
      refundedMinor: 2 * 1999,
      netMinor: 1999,
      toPaid: 2,
      toShipped: 1,
      toCompleted: 1,
    };
    const settled = await eventually(async () => {
      const reply = await report();
      return JSON.stringify(total(reply.body.days)) === JSON.stringify(expected) ? reply : null;
    }, 20_000, 'the report to count everything').catch(async () => report());
    expect(total(settled.body.days)).toEqual(expected);
    expect(settled.body.timezone).toBe(ZONE);
    expect(settled.body.days.map((d: { date: string }) => d.date)).toEqual([shift(-1), shift(0), shift(1)]);

    const today = settled.body.days.find((d: any) => d.ordersPlaced === 4);
    if (today) {
      // All on one day: averages and the efficiency formula from the same figures.
      expect(today.money.CNY).toEqual({ capturedMinor: 5997, refundedMinor: 3998, netMinor: 1999, averageOrderValueMinor: 2999 });
      expect(today.stageSeconds.toPaid).toMatchObject({ count: 2 });
      expect(today.stageSeconds.toPaid.p50).toBeLessThanOrEqual(today.stageSeconds.toPaid.p95);
      expect(today.efficiency).toBeCloseTo(1 / today.stageSeconds.toShipped.avg, 2);
    }

    // A change published again, as a redelivered stream record is: nothing more is counted.
    const { draftsOf, publishChange } = await import('../../functions/services/events.js');
    const { getOrder } = await import('../../functions/adapters/orders.js');
    const stored = await getOrder(first);
    const change = { changeId: `redelivered-${first}`, before: undefined, after: { ...stored, pk: `ORDER#${first}`, sk: 'ORDER' } as Record<string, unknown>, at: new Date().toISOString() };
    expect(draftsOf(change).map((d) => d.type)).toContain('order.paid');
    await Promise.all([publishChange(change, async () => []), publishChange(change, async () => [])]);
    const before = total((await report()).body.days);
    await publishChange(change, async () => []);
    await publishChange(change, async () => []);
    expect(total((await report()).body.days)).toEqual(before);
  });

  it('serves the same figures as CSV, one row per day with dotted columns', async () => {
    const token = await ops(api);
    const [json, csv] = await Promise.all([report(), api.request('GET', `/ops/reports/daily.csv?from=${shift(-1)}&to=${shift(1)}`, { token })]);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (csv.body as string).split('\r\n').filter(Boolean);
    const header = lines[0]!.split(',');
    expect(header.slice(0, 7)).toEqual(['date', 'ordersPlaced', 'ordersPaid', 'ordersShipped', 'ordersDelivered', 'ordersCompleted', 'ordersCancelled.CUSTOMER_CANCELLED']);
    expect(header).toEqual(expect.arrayContaining(['ordersCancelled.PAYMENT_TIMEOUT', 'money.CNY.capturedMinor', 'stageSeconds.toPaid.p95', 'efficiency']));
    expect(lines).toHaveLength(1 + 3);
    json.body.days.forEach((day: any, i: number) => {
      const row = Object.fromEntries(lines[i + 1]!.split(',').map((value, c) => [header[c], value]));
      expect(row.date).toBe(day.date);
      expect(row.ordersPlaced).toBe(String(day.ordersPlaced));
      expect(row['ordersCancelled.CUSTOMER_CANCELLED']).toBe(String(day.ordersCancelled.CUSTOMER_CANCELLED));
      expect(row['money.CNY.capturedMinor']).toBe(day.money.CNY ? String(day.money.CNY.capturedMinor) : '');
      // null (no order reached the stage that day) is an empty field.
      expect(row['stageSeconds.toPaid.p95']).toBe(day.stageSeconds.toPaid.p95 === null ? '' : String(day.stageSeconds.toPaid.p95));
    });
  });

  it('checks ranges: both ends included, at most 92 days, from not after to; ops only', async () => {
    const token = await ops(api);
    const ninetyTwo = await api.request('GET', '/ops/reports/daily?from=2026-01-01&to=2026-04-02', { token });
    expect([ninetyTwo.status, ninetyTwo.body.days.length, ninetyTwo.body.days[0].date, ninetyTwo.body.days.at(-1).date]).toEqual([200, 92, '2026-01-01', '2026-04-02']);
    expect(ninetyTwo.body.days[0]).toMatchObject({ ordersPlaced: 0, money: {}, efficiency: 0, stageSeconds: { toPaid: { count: 0, avg: null, p50: null, p95: null } } });
    for (const query of ['from=2026-01-01&to=2026-04-03', 'from=2026-02-02&to=2026-02-01', 'from=2026-01-01', 'from=20260101&to=20260102', 'from=2026-01-01&to=2026-01-02&extra=1']) {
      const reply = await api.request('GET', `/ops/reports/daily?${query}`, { token });
      expect([query, reply.status, reply.body.code]).toEqual([query, 400, 'VALIDATION_ERROR']);
    }
    expect((await api.request('GET', '/ops/reports/daily?from=2026-01-01&to=2026-01-02', { token: await api.token('shopper') })).status).toBe(403);
    expect((await api.request('GET', '/ops/reports/daily.csv?from=2026-01-01&to=2026-01-02', { token: await warehouse(api) })).status).toBe(403);
  });
});
