/**
 * The rules of events, reports and endpoint URLs, without I/O: which changes are
 * events, what a report counts and how it adds up (with the seed's worked example of
 * its efficiency formula), CSV quoting, and which addresses a webhook may reach.
 */
import { describe, expect, it } from 'vitest';
import { orderEvents, productEvents, returnEvents, subscribes, type EventProduct } from '../../functions/core/events.js';
import { bucketOf, csvRow, dayIn, dayReport, daysBetween, daysCsv, efficiency, reportIncrements, secondsOfBucket } from '../../functions/core/reports.js';
import { isForbiddenAddress, urlProblem } from '../../functions/core/endpoint-urls.js';
import type { Order } from '../../functions/core/order.js';

const t0 = '2026-11-28T01:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(t0) + seconds * 1000).toISOString();
function order(history: [string, number][], extra: Partial<Order> = {}): Order {
  return {
    orderId: 'ord_01KAAAAAAAAAAAAAAAAAAAAAAA',
    customerId: 'c1',
    status: history.at(-1)![0] as Order['status'],
    items: [{ sku: 'A', name: 'Tea', quantity: 3, unitPriceMinor: 1000, lineTotalMinor: 3000 }],
    currency: 'CNY',
    totalMinor: 3000,
    shippingAddress: { name: 'W', phone: '1', line1: 'x', city: 'S', postalCode: '1', country: 'CN' },
    paymentMethod: 'alipay',
    payment: null,
    shipment: null,
    cancellation: null,
    fulfilment: null,
    paymentDeadline: at(900),
    history: history.map(([status, s]) => ({ status: status as Order['status'], at: at(s) })),
    createdAt: t0,
    updatedAt: at(history.at(-1)![1]),
    ...extra,
  };
}

describe('events from changes', () => {
  it('makes one event per status entered, none for a write that entered none', () => {
    const placed = order([['PENDING_PAYMENT', 0]]);
    expect(orderEvents(undefined, placed).map((e) => e.type)).toEqual(['order.created']);
    const paid = order([['PENDING_PAYMENT', 0], ['PAID', 30]]);
    expect(orderEvents(placed, paid).map((e) => [e.type, e.at])).toEqual([['order.paid', at(30)]]);
    // A retried write that changed only bookkeeping: nothing.
    expect(orderEvents(paid, { ...paid, updatedAt: at(31) })).toEqual([]);
    // One write entering two statuses (a confirmation while SHIPPED): both, in order.
    const shipped = order([['PENDING_PAYMENT', 0], ['PAID', 30], ['PICKING', 31], ['PACKED', 60], ['SHIPPED', 61]]);
    const completed = order([['PENDING_PAYMENT', 0], ['PAID', 30], ['PICKING', 31], ['PACKED', 60], ['SHIPPED', 61], ['DELIVERED', 90], ['COMPLETED', 90]]);
    expect(orderEvents(shipped, completed).map((e) => e.type)).toEqual(['order.delivered', 'order.completed']);
    for (const event of orderEvents(undefined, completed)) expect(event.data.order).not.toHaveProperty('shippingAddress');
  });

  it('makes payment.refunded once per refund that newly succeeded, and shipment.updated per tracking change', () => {
    const payment = { provider: 'alipay', paymentId: 'p', status: 'SUCCEEDED' as const, amountMinor: 3000, currency: 'CNY', checkoutUrl: null, paidAt: at(30), refundedAt: null, refundedMinor: 0, refunds: [] };
    const pending = { refundId: 'rf_1', amountMinor: 1000, reason: 'GOODWILL' as const, status: 'PENDING' as const, createdAt: at(40), completedAt: null };
    const a = order([['PENDING_PAYMENT', 0], ['PAID', 30]], { payment: { ...payment, refunds: [pending] } });
    const b = order([['PENDING_PAYMENT', 0], ['PAID', 30]], { payment: { ...payment, refundedMinor: 1000, refunds: [{ ...pending, status: 'SUCCEEDED', completedAt: at(50) }] } });
    expect(orderEvents(a, b).map((e) => [e.type, e.at, e.report])).toEqual([['payment.refunded', at(50), { kind: 'refund', currency: 'CNY', amountMinor: 1000 }]]);
    expect(orderEvents(b, b)).toEqual([]);
    const shipment = { carrier: 'SF', trackingNumber: 'T1', status: null, events: [] };
    const c = order([['SHIPPED', 0]], { shipment });
    const d = order([['SHIPPED', 0]], { shipment: { ...shipment, status: 'IN_TRANSIT', events: [{ status: 'IN_TRANSIT', occurredAt: at(5) }] } });
    expect(orderEvents(c, d).map((e) => e.type)).toEqual(['shipment.updated']);
  });

  it('makes return events per return status, and stock.low only when available falls to the threshold', () => {
    const ret = { returnId: 'ret_1', orderId: 'ord_1', status: 'REQUESTED' as const, items: [], note: null, refundMinor: 0, history: [{ status: 'REQUESTED' as const, at: at(0) }], createdAt: at(0), updatedAt: at(0) };
    const approved = { ...ret, status: 'APPROVED' as const, history: [...ret.history, { status: 'APPROVED' as const, at: at(5) }] };
    expect(returnEvents(undefined, ret).map((e) => [e.type, e.subject])).toEqual([['return.requested', { kind: 'order', id: 'ord_1' }]]);
    expect(returnEvents(ret, approved).map((e) => e.type)).toEqual(['return.approved']);
    const product = (available: number, lowStockThreshold = 5): EventProduct => ({ sku: 'A', name: 'Tea', priceMinor: 1, currency: 'CNY', available, reserved: 0, sold: 0, writtenOff: 0, backordered: 0, lowStockThreshold, stockShards: 1 });
    expect(productEvents(product(6), product(5), t0).map((e) => e.type)).toEqual(['stock.low']);
    expect(productEvents(product(5), product(4), t0)).toEqual([]);
    expect(productEvents(product(6, 0), product(0, 0), t0)).toEqual([]);
    expect(productEvents(product(9), product(7), t0)).toEqual([]);
    expect(subscribes(['*'], 'stock.low')).toBe(true);
    expect(subscribes(['order.paid'], 'stock.low')).toBe(false);
  });
});

describe('daily reports', () => {
  it('reproduces the seed article: 10,000 orders shipped in an average of 1 minute is 166.67', () => {
    expect(efficiency(10_000, 60)).toBe(166.67);
    expect(efficiency(0, null)).toBe(0);
    // The same through a day's counters: 10,000 shipped orders, each 60 s from placement.
    const counters = { shipped: 10_000, 'stage|toShipped|count': 10_000, 'stage|toShipped|sum': 600_000, [`stage|toShipped|h|${bucketOf(60)}`]: 10_000 };
    expect(dayReport('2026-11-28', [counters]).efficiency).toBe(166.67);
  });

  it('adds an order’s statuses up per day: counts, units, money per currency, stage times', () => {
    const paid = order([['PENDING_PAYMENT', 0], ['PAID', 30]]);
    const shards = [
      reportIncrements({ kind: 'orderStatus', status: 'PENDING_PAYMENT', order: paid }, at(0)),
      reportIncrements({ kind: 'orderStatus', status: 'PAID', order: paid }, at(30)),
      reportIncrements({ kind: 'orderStatus', status: 'PAID', order: { ...paid, totalMinor: 1001, payment: { amountMinor: 1001 } as never } }, at(90)),
      reportIncrements({ kind: 'orderStatus', status: 'CANCELLED', reason: 'PAYMENT_TIMEOUT', order: paid }, at(900)),
      reportIncrements({ kind: 'refund', currency: 'CNY', amountMinor: 500 }, at(100)),
      reportIncrements({ kind: 'return', status: 'REQUESTED' }, at(100)),
    ];
    const day = dayReport('2026-11-28', shards);
    expect(day).toMatchObject({ ordersPlaced: 1, ordersPaid: 2, unitsSold: 6, returnsRequested: 1, ordersCancelled: { PAYMENT_TIMEOUT: 1, CUSTOMER_CANCELLED: 0 } });
    // 3000 + 1001 over 2 orders = 2000.5, rounded half up.
    expect(day.money).toEqual({ CNY: { capturedMinor: 4001, refundedMinor: 500, netMinor: 3501, averageOrderValueMinor: 2001 } });
    expect(day.stageSeconds.toPaid).toEqual({ count: 2, avg: 60, p50: 30, p95: 90 });
    expect(day.stageSeconds.toShipped).toEqual({ count: 0, avg: null, p50: null, p95: null });
  });

  it('keeps stage times exact to the second up to ten minutes, then within 1 %', () => {
    for (const s of [0, 1, 59, 600]) expect(secondsOfBucket(bucketOf(s))).toBe(s);
    for (const s of [601, 3_600, 86_400, 2_592_000]) expect(Math.abs(secondsOfBucket(bucketOf(s)) - s) / s).toBeLessThanOrEqual(0.01);
  });

  it('counts days in the report time zone, both ends of a range included', () => {
    expect(dayIn('Asia/Shanghai', '2026-11-28T15:59:59Z')).toBe('2026-11-28');
    expect(dayIn('Asia/Shanghai', '2026-11-28T16:00:00Z')).toBe('2026-11-29');
    expect(dayIn('America/New_York', '2026-11-28T03:00:00Z')).toBe('2026-11-27');
    expect(daysBetween('2026-02-27', '2026-03-01')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  });

  it('writes RFC 4180 CSV: quoted when needed, empty for null, nested fields dotted', () => {
    expect(csvRow(['a,b', 'say "hi"', null, 3, 'line\nbreak'])).toBe('"a,b","say ""hi""",,3,"line\nbreak"\r\n');
    const csv = daysCsv([dayReport('2026-11-28', [{ placed: 2, 'money|USD|captured': 5, 'money|USD|paidOrders': 1 }]), dayReport('2026-11-29', [])]);
    const [header, first, second] = csv.split('\r\n');
    expect(header).toContain('ordersCancelled.OUT_OF_STOCK');
    expect(header).toContain('money.USD.capturedMinor');
    expect(header).toContain('stageSeconds.toDelivered.p50');
    const columns = header!.split(',');
    expect(first!.split(',')[columns.indexOf('money.USD.capturedMinor')]).toBe('5');
    expect(second!.split(',')[columns.indexOf('money.USD.capturedMinor')]).toBe('');
    expect(columns.at(-1)).toBe('efficiency');
  });
});

describe('endpoint URLs', () => {
  const aws = { allowLocalReceivers: false };
  const local = { allowLocalReceivers: true };
  it('refuses private, loopback, link-local, metadata and special addresses, however written', () => {
    for (const address of ['10.1.2.3', '127.0.0.1', '169.254.169.254', '172.31.255.255', '192.168.0.1', '100.64.0.1', '0.0.0.0', '::1', 'fd00:ec2::254', 'fe80::1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '224.0.0.1']) {
      expect([address, isForbiddenAddress(address)]).toEqual([address, true]);
    }
    for (const address of ['8.8.8.8', '172.32.0.1', '2606:4700:4700::1111']) expect([address, isForbiddenAddress(address)]).toEqual([address, false]);
    expect(urlProblem('https://2130706433/', aws)).toMatch(/forbidden address \(127\.0\.0\.1\)/);
    expect(urlProblem('https://[::ffff:7f00:1]/', aws)).toMatch(/forbidden/);
    expect(urlProblem('https://localhost/', aws)).toMatch(/not public/);
    expect(urlProblem('https://erp.example.com/hooks', aws)).toBeNull();
    expect(urlProblem('http://erp.example.com/hooks', aws)).toMatch(/https/);
    expect(urlProblem('https://u:p@erp.example.com/', aws)).toMatch(/credentials/);
  });

  it('allows http://127.0.0.1:<port> on the local stack only', () => {
    expect(urlProblem('http://127.0.0.1:4000/in', local)).toBeNull();
    expect(urlProblem('http://127.0.0.1:4000/in', aws)).toMatch(/https/);
    expect(urlProblem('http://127.0.0.1/in', local)).toMatch(/https/);
    expect(urlProblem('http://10.0.0.1:4000/in', local)).toMatch(/https/);
  });
});
