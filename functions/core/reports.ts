/**
 * Daily reports (API.md "Reports"), as rules: what one event adds to its day's counters,
 * and how a day's counters (summed over its shards) become the report's Day. Pure.
 *
 * Counters are flat numeric attributes (`placed`, `cancelled|PAYMENT_TIMEOUT`,
 * `money|CNY|captured`, `stage|toPaid|h|42`, ...) so that one DynamoDB `ADD` per
 * attribute counts an event, whatever existed before. Stage times are kept as a
 * histogram: exact to the second up to ten minutes, then in steps of 1 %, so a day of
 * millions of orders stays one small item per shard and p50/p95 stay within 1 %.
 */
import { CANCELLATION_REASONS, type OrderStatus } from './order.js';
import type { ReportFact } from './events.js';

export const MAX_REPORT_DAYS = 92;
/**
 * Counter items per day: each event goes to one, by its order, so a busy day is not one
 * hot item. 64: at the mission's peak about 12,000 events a second each add to one in a
 * transaction (2 WRU): 16 items would take 1,500 WRU/s each, over a partition's 1,000
 * (docs/capacity.md). Reports read days x 64 keys (92 days: 59 BatchGetItem calls).
 */
export const REPORT_SHARDS = 64;

const STAGES = { PAID: 'toPaid', PACKED: 'toPacked', SHIPPED: 'toShipped', DELIVERED: 'toDelivered', COMPLETED: 'toCompleted' } as const;
export type StageName = (typeof STAGES)[keyof typeof STAGES];
export const STAGE_NAMES = Object.values(STAGES);
const COUNT_OF: Partial<Record<OrderStatus, string>> = { PENDING_PAYMENT: 'placed', PAID: 'paid', SHIPPED: 'shipped', DELIVERED: 'delivered', COMPLETED: 'completed' };

/** The calendar day of an instant in a time zone, `YYYY-MM-DD`. */
export function dayIn(timezone: string, at: string | Date): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
}

/** The days from `from` to `to`, both included (plain calendar dates, no time zone involved). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

const EXACT_SECONDS = 600;
const STEP = Math.log(1.01);
/** The histogram bucket of a duration: the second itself up to ten minutes, then 1 % steps. */
export function bucketOf(seconds: number): number {
  const s = Math.max(0, Math.round(seconds));
  return s <= EXACT_SECONDS ? s : EXACT_SECONDS + Math.ceil(Math.log(s / EXACT_SECONDS) / STEP);
}
/** The duration a bucket stands for (its upper bound). */
export function secondsOfBucket(bucket: number): number {
  return bucket <= EXACT_SECONDS ? bucket : Math.round(EXACT_SECONDS * Math.exp((bucket - EXACT_SECONDS) * STEP));
}

/** What one event adds to its day: counter attribute -> amount. */
export function reportIncrements(fact: ReportFact, at: string): Record<string, number> {
  switch (fact.kind) {
    case 'refund':
      return { [`money|${fact.currency}|refunded`]: fact.amountMinor };
    case 'return':
      if (fact.status === 'REQUESTED') return { returnsRequested: 1 };
      if (fact.status === 'REFUNDED') return { returnsRefunded: 1 };
      return {};
    case 'orderStatus': {
      const { order, status } = fact;
      const add: Record<string, number> = {};
      const count = COUNT_OF[status];
      if (count) add[count] = 1;
      if (status === 'CANCELLED') add[`cancelled|${fact.reason ?? 'CUSTOMER_CANCELLED'}`] = 1;
      if (status === 'PAID') {
        add.unitsSold = order.items.reduce((sum, line) => sum + line.quantity, 0);
        const captured = order.payment?.amountMinor ?? order.totalMinor;
        add[`money|${order.currency}|captured`] = captured;
        add[`money|${order.currency}|paidOrders`] = 1;
      }
      const stage = STAGES[status as keyof typeof STAGES];
      if (stage) {
        const seconds = Math.max(0, (Date.parse(at) - Date.parse(order.createdAt)) / 1000);
        add[`stage|${stage}|count`] = 1;
        add[`stage|${stage}|sum`] = seconds;
        add[`stage|${stage}|h|${bucketOf(seconds)}`] = 1;
      }
      return add;
    }
  }
}

export interface StageFigures {
  count: number;
  avg: number | null;
  p50: number | null;
  p95: number | null;
}

export interface Day {
  date: string;
  ordersPlaced: number;
  ordersPaid: number;
  ordersShipped: number;
  ordersDelivered: number;
  ordersCompleted: number;
  ordersCancelled: Record<(typeof CANCELLATION_REASONS)[number], number>;
  unitsSold: number;
  returnsRequested: number;
  returnsRefunded: number;
  money: Record<string, { capturedMinor: number; refundedMinor: number; netMinor: number; averageOrderValueMinor: number }>;
  stageSeconds: Record<StageName, StageFigures>;
  efficiency: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * The seed's order-processing efficiency: orders processed over processing time,
 * `ordersShipped / (average minutes to ship × 60)`; 0 when nothing shipped.
 */
export function efficiency(ordersShipped: number, avgSecondsToShip: number | null): number {
  if (!ordersShipped || !avgSecondsToShip) return 0;
  return round2(ordersShipped / ((avgSecondsToShip / 60) * 60));
}

/** Nearest-rank percentile over a histogram. */
function percentile(histogram: Map<number, number>, count: number, q: number): number | null {
  if (!count) return null;
  const rank = Math.ceil(q * count);
  let seen = 0;
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bucket)!;
    if (seen >= rank) return secondsOfBucket(bucket);
  }
  return null;
}

/** A day's report from its shards' counters (absent shards and days are zeros). */
export function dayReport(date: string, shards: readonly Record<string, unknown>[]): Day {
  const counters = new Map<string, number>();
  for (const shard of shards) {
    for (const [name, value] of Object.entries(shard)) if (typeof value === 'number') counters.set(name, (counters.get(name) ?? 0) + value);
  }
  const get = (name: string) => counters.get(name) ?? 0;
  const currencies = [...new Set([...counters.keys()].filter((n) => n.startsWith('money|')).map((n) => n.split('|')[1]!))].sort();
  const money = Object.fromEntries(
    currencies.map((currency) => {
      const captured = get(`money|${currency}|captured`);
      const refunded = get(`money|${currency}|refunded`);
      const paidOrders = get(`money|${currency}|paidOrders`);
      return [currency, { capturedMinor: captured, refundedMinor: refunded, netMinor: captured - refunded, averageOrderValueMinor: paidOrders ? Math.floor(captured / paidOrders + 0.5) : 0 }];
    }),
  );
  const stageSeconds = Object.fromEntries(
    STAGE_NAMES.map((stage) => {
      const count = get(`stage|${stage}|count`);
      const histogram = new Map<number, number>();
      const prefix = `stage|${stage}|h|`;
      for (const [name, value] of counters) if (name.startsWith(prefix)) histogram.set(Number(name.slice(prefix.length)), value);
      const figures: StageFigures = {
        count,
        avg: count ? round2(get(`stage|${stage}|sum`) / count) : null,
        p50: percentile(histogram, count, 0.5),
        p95: percentile(histogram, count, 0.95),
      };
      return [stage, figures];
    }),
  ) as Record<StageName, StageFigures>;
  return {
    date,
    ordersPlaced: get('placed'),
    ordersPaid: get('paid'),
    ordersShipped: get('shipped'),
    ordersDelivered: get('delivered'),
    ordersCompleted: get('completed'),
    ordersCancelled: Object.fromEntries(CANCELLATION_REASONS.map((reason) => [reason, get(`cancelled|${reason}`)])) as Day['ordersCancelled'],
    unitsSold: get('unitsSold'),
    returnsRequested: get('returnsRequested'),
    returnsRefunded: get('returnsRefunded'),
    money,
    stageSeconds,
    efficiency: efficiency(get('shipped'), stageSeconds.toShipped.avg),
  };
}

/** RFC 4180: quote a field when it holds a comma, a quote or a line break; null is an empty field. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** Nested fields flattened to dotted names (API.md: `money.CNY.capturedMinor`, `stageSeconds.toPaid.p95`). */
function flatten(value: unknown, prefix: string, into: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, into);
  } else into.set(prefix, value);
}

/** The days as CSV: one header row with every column any day has (a currency absent on a day is empty). */
export function daysCsv(days: readonly Day[]): string {
  const rows = days.map((day) => {
    const flat = new Map<string, unknown>();
    flatten(day, '', flat);
    return flat;
  });
  const columns: string[] = [];
  for (const row of rows) for (const name of row.keys()) if (!columns.includes(name)) columns.push(name);
  // Money columns sit together, whichever day introduced a currency; efficiency stays last.
  const ordered = [...columns.filter((c) => !c.startsWith('money.') && c !== 'efficiency'), ...columns.filter((c) => c.startsWith('money.')).sort(), ...columns.filter((c) => c === 'efficiency')];
  return csvRow(ordered) + rows.map((row) => csvRow(ordered.map((c) => row.get(c) ?? null))).join('');
}
