/**
 * Stock shards (API.md Catalog, `stockShards`): a SKU's stock split across items so a
 * flash sale on one SKU is not capped by one item's write rate (1,000 WCU/s per
 * partition on DynamoDB).
 *
 * Where the units are:
 * - `available` is spread over shards 0..n-1 (shard 0 is the product item itself, so an
 *   unsharded product is the one-shard case). Restocks spread evenly.
 * - A line's reservation is one shard's: its units move to that shard's `reserved`
 *   (its "home", recorded on the order), and every later move of the line (sold,
 *   released, returned, written off, backordered) is on that home shard. So each
 *   shard's conditions (`reserved >= q`, `sold >= q`) hold for the same reason the
 *   unsharded ones do, and the product's totals are the sums.
 * - A reservation first writes blindly to one random shard not known to be short;
 *   a failed condition tells it that shard's stock, and the next attempt plans from a
 *   consistent read of every shard. When no one shard has enough but the sum does,
 *   the plan takes units from several shards into one home, in the same transaction.
 *   OUT_OF_STOCK is answered only from such a read: never on a guess.
 *
 * Pure: the same planner runs in the service and in the flash-sale simulation.
 */
import { Recent } from '../shared/recent.js';

export const MAX_STOCK_SHARDS = 100;

/** Units taken from one shard's `available`. */
export interface Take {
  shard: number;
  quantity: number;
}

/** A line's reservation: units taken from shards' `available`, all reserved on `home`. */
export interface ReservationPlan {
  home: number;
  takes: Take[];
}

export interface ShardCount {
  shard: number;
  available: number;
}

export type Random = () => number;

/**
 * What one process has lately learnt of shards' `available` (from failed conditions
 * and reads); forgotten after `ttlMs`, so a restock is tried again soon.
 */
export class ShardKnowledge {
  private readonly seen: Recent<string, number>;
  constructor(ttlMs = 1_000, now: () => number = Date.now) {
    this.seen = new Recent(ttlMs, 10_000, now);
  }

  learn(sku: string, shard: number, available: number): void {
    this.seen.set(`${sku}#${shard}`, available);
  }

  /** True when the shard was lately seen with fewer than `quantity` units. */
  short(sku: string, shard: number, quantity: number): boolean {
    const available = this.seen.get(`${sku}#${shard}`);
    return available !== undefined && available < quantity;
  }
}

/**
 * A blind plan: one random shard not known to be short of `quantity`; null when every
 * shard is known short (then read them all and plan from the counts).
 */
export function blindPlan(sku: string, quantity: number, shards: number, knowledge: ShardKnowledge, random: Random): ReservationPlan | null {
  const candidates: number[] = [];
  for (let shard = 0; shard < shards; shard++) if (!knowledge.short(sku, shard, quantity)) candidates.push(shard);
  if (!candidates.length) return null;
  const home = candidates[Math.floor(random() * candidates.length)]!;
  return { home, takes: [{ shard: home, quantity }] };
}

/**
 * A plan from every shard's count: a random shard that holds the whole line, or else
 * the fullest shard topped up from the next fullest. Null when the sum is short.
 */
export function plannedFromCounts(quantity: number, counts: readonly ShardCount[], random: Random): ReservationPlan | null {
  const total = counts.reduce((sum, c) => sum + Math.max(0, c.available), 0);
  if (total < quantity) return null;
  const whole = counts.filter((c) => c.available >= quantity);
  if (whole.length) {
    const home = whole[Math.floor(random() * whole.length)]!.shard;
    return { home, takes: [{ shard: home, quantity }] };
  }
  const fullest = [...counts].filter((c) => c.available > 0).sort((a, b) => b.available - a.available);
  const takes: Take[] = [];
  let left = quantity;
  for (const c of fullest) {
    if (left <= 0) break;
    const take = Math.min(left, c.available);
    takes.push({ shard: c.shard, quantity: take });
    left -= take;
  }
  return { home: takes[0]!.shard, takes };
}

/** A restock's units over `shards` shards: as even as can be, the remainder from a rotating start. */
export function spreadOverShards(quantity: number, shards: number, start = 0): Take[] {
  const base = Math.floor(quantity / shards);
  const extra = quantity % shards;
  const takes: Take[] = [];
  for (let i = 0; i < shards; i++) {
    const shard = (start + i) % shards;
    const units = base + (i < extra ? 1 : 0);
    if (units > 0) takes.push({ shard, quantity: units });
  }
  return takes.sort((a, b) => a.shard - b.shard);
}
