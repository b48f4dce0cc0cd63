/**
 * A flash sale in simulated time (no DynamoDB): the reservation algorithm of
 * core/stock-shards.ts, as services/place-order.ts runs it, against in-memory shard
 * items, counting the write units each stock item takes per second.
 *
 * What is modelled:
 * - orders arrive at a steady rate on one SKU, each handled by one of many Lambda
 *   instances (each with its own ShardKnowledge, on the simulated clock);
 * - each attempt is one TransactWriteItems. A transactional write is two operations
 *   per item, prepare and commit, so 2 WCU per stock item when it commits; an attempt
 *   that fails a condition (a shard found short) or is cancelled by a conflict is
 *   charged its prepare, 1 WCU per item. So retries on empty shards and conflicts are
 *   in the figure;
 * - a committed transaction holds its items for `holdMs`; another transaction naming
 *   one of them meanwhile is cancelled (TransactionConflict) and retried after the
 *   same random pause the service uses;
 * - a consistent read of every shard (after a shard was found short) costs read units,
 *   not write units, and is counted apart.
 * The order and idempotency items are each a new item on its own partition: not hot,
 * not counted here.
 */
import { blindPlan, plannedFromCounts, ShardKnowledge, spreadOverShards, type ReservationPlan } from '../functions/core/stock-shards.js';

export interface FlashSale {
  ordersPerSecond: number;
  seconds: number;
  shards: number;
  stock: number;
  instances: number;
  /** How long a committed transaction keeps its items from other transactions. */
  holdMs: number;
  /** Time for one request to DynamoDB and back. */
  latencyMs: number;
  seed: number;
}

export interface FlashSaleResult {
  sold: number;
  refused: number;
  oversold: number;
  hottestWcuPerSecond: number;
  attempts: number;
  conflicts: number;
  shortShards: number;
  reads: number;
}

export const DEFAULT_FLASH_SALE: FlashSale = { ordersPerSecond: 5000, seconds: 10, shards: 16, stock: 25_000, instances: 200, holdMs: 1, latencyMs: 8, seed: 7 };

/** A small seeded generator (mulberry32), so a run can be repeated exactly. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pending {
  at: number;
  instance: number;
  attempt: number;
  readFirst: boolean;
}

export function simulateFlashSale(options: Partial<FlashSale> = {}): FlashSaleResult {
  const o = { ...DEFAULT_FLASH_SALE, ...options };
  const random = seeded(o.seed);
  let clock = 0;
  const knowledge = Array.from({ length: o.instances }, () => new ShardKnowledge(1_000, () => clock));
  const available = new Array<number>(o.shards).fill(0);
  for (const take of spreadOverShards(o.stock, o.shards)) available[take.shard] = take.quantity;
  const busyUntil = new Array<number>(o.shards).fill(-1);
  const wcu = new Map<string, number>();
  const charge = (shard: number, at: number, units: number) => {
    const key = `${shard}#${Math.floor(at / 1000)}`;
    wcu.set(key, (wcu.get(key) ?? 0) + units);
  };
  const result = { sold: 0, refused: 0, oversold: 0, hottestWcuPerSecond: 0, attempts: 0, conflicts: 0, shortShards: 0, reads: 0 };

  // Work by millisecond: each tick's arrivals and retries, in a random order.
  const queue = new Map<number, Pending[]>();
  const schedule = (p: Pending) => {
    const list = queue.get(p.at) ?? [];
    list.push(p);
    queue.set(p.at, list);
  };
  const total = o.ordersPerSecond * o.seconds;
  for (let i = 0; i < total; i++) schedule({ at: Math.floor((i * 1000) / o.ordersPerSecond), instance: Math.floor(random() * o.instances), attempt: 0, readFirst: false });

  const sku = 'FLASH';
  for (clock = 0; queue.size; clock++) {
    const now = queue.get(clock);
    if (!now) continue;
    queue.delete(clock);
    for (let i = now.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [now[i], now[j]] = [now[j]!, now[i]!];
    }
    for (const p of now) {
      const known = knowledge[p.instance]!;
      let plan: ReservationPlan | null = p.readFirst ? null : blindPlan(sku, 1, o.shards, known, random);
      let at = clock;
      if (!plan) {
        result.reads++;
        at += o.latencyMs;
        const counts = available.map((units, shard) => ({ shard, available: units }));
        for (const c of counts) known.learn(sku, c.shard, c.available);
        plan = plannedFromCounts(1, counts, random);
        if (!plan) {
          result.refused++;
          continue;
        }
      }
      result.attempts++;
      const committed = plan.takes.every((take) => busyUntil[take.shard]! <= at && available[take.shard]! >= take.quantity);
      for (const take of plan.takes) charge(take.shard, at, committed ? 2 : 1);
      if (plan.takes.some((take) => busyUntil[take.shard]! > at)) {
        result.conflicts++;
        // services/place-order.ts: a random pause growing with the attempt.
        schedule({ ...p, at: at + o.latencyMs + Math.ceil(random() * 25 * Math.min(2 ** p.attempt, 16)), attempt: p.attempt + 1 });
        continue;
      }
      const short = plan.takes.filter((take) => available[take.shard]! < take.quantity);
      if (short.length) {
        result.shortShards++;
        for (const take of short) known.learn(sku, take.shard, available[take.shard]!);
        schedule({ ...p, at: at + o.latencyMs, attempt: p.attempt + 1, readFirst: true });
        continue;
      }
      for (const take of plan.takes) {
        available[take.shard]! -= take.quantity;
        busyUntil[take.shard] = at + o.holdMs;
        if (available[take.shard]! < 0) result.oversold++;
      }
      result.sold++;
    }
  }
  result.hottestWcuPerSecond = Math.max(...wcu.values());
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = simulateFlashSale();
  console.log(JSON.stringify(r));
}
