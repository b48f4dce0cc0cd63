/**
 * Events to other systems, end to end: the table's change stream says what changed,
 * each change becomes its events (core/events.ts), each event is recorded once with
 * its sequence and report counts (adapters/events.ts), then one delivery per
 * subscribed endpoint is created and queued. Deliveries are attempted by the webhooks
 * worker, each on its own, on the retry schedule (services/webhook-deliveries.ts);
 * nothing here waits for an endpoint.
 *
 * Why the change stream and not an outbox written by each decision: every decision in
 * this system is already one conditional write, and the stream carries exactly those
 * writes, once each, in order per item, for 24 hours. Events read from it cannot be
 * forgotten by a new code path, and cost no extra write on the order's path.
 */
import { createHash } from 'node:crypto';
import { orderEvents, productEvents, returnEvents, subscribes, type EventDraft, type EventProduct } from '../core/events.js';
import { hasStockItems } from '../core/product.js';
import type { Order } from '../core/order.js';
import type { Return } from '../core/returns.js';
import { dayIn, REPORT_SHARDS, reportIncrements } from '../core/reports.js';
import { reportTimezone } from '../core/config.js';
import { shardOf } from '../adapters/keys.js';
import { markLowStock } from '../adapters/products.js';
import { reindexOrder } from '../adapters/order-index.js';
import { createDelivery, getDelivery, recordEvent, type StoredEvent, type WebhookEndpoint } from '../adapters/events.js';
import { queueDelivery } from '../adapters/delivery-queue.js';

/** One stream record, as the publisher needs it: which item, before and after. */
export interface ItemChange {
  /** Unique per change and the same on every redelivery (the stream record's eventID). */
  changeId: string;
  before: Record<string, unknown> | undefined;
  after: Record<string, unknown> | undefined;
  /** When DynamoDB made the change. */
  at: string;
}

/** The events one item change makes (orders, returns, products; anything else makes none). */
export function draftsOf(change: ItemChange): EventDraft[] {
  const after = change.after;
  if (!after) return [];
  const kind = String(after.pk ?? '').split('#')[0];
  const before = change.before;
  if (kind === 'ORDER' && after.sk === 'ORDER') return orderEvents(before as unknown as Order | undefined, after as unknown as Order);
  if (kind === 'RETURN') return returnEvents(before as unknown as Return | undefined, after as unknown as Return);
  if (kind === 'PRODUCT' && after.sk === 'PRODUCT') {
    if (hasStockItems(after)) return shardedLowStockEvents(before, after, change.at);
    return productEvents(before ? productOf(before) : undefined, productOf(after), change.at);
  }
  return [];
}

/**
 * A sharded product's `stock.low`: no one item's images hold the totals, so the
 * publisher judges each stock change by reading them (`judgeShardedStock`) and flips
 * the product's low flag with a conditional write; that flip is the change whose
 * stream record makes the event, once.
 */
function shardedLowStockEvents(before: Record<string, unknown> | undefined, after: Record<string, unknown>, at: string): EventDraft[] {
  if (before?.lowSignalled === true || after.lowSignalled !== true) return [];
  const product = { ...productOf(after), ...(after.lowTotals as object) };
  return [{ type: 'stock.low', subject: { kind: 'product', id: product.sku }, at, key: `low:${String(after.lowSignalledAt)}`, data: { product } }];
}

/** After a sharded product's stock item changed `available`: is the product low now (flag set) or not (flag cleared)? */
async function judgeShardedStock(change: ItemChange): Promise<void> {
  const { before, after } = change;
  const pk = String(after?.pk ?? '');
  if (!after || !(pk.startsWith('PRODUCT#') || pk.startsWith('STOCK#')) || before?.available === after.available) return;
  const isStockItem = pk.startsWith('STOCK#') || hasStockItems(after);
  if (isStockItem) await markLowStock(after.sku as string, (after.available as number) < ((before?.available as number) ?? 0));
}

function productOf(item: Record<string, unknown>): EventProduct {
  const n = (name: string) => (typeof item[name] === 'number' ? (item[name] as number) : 0);
  return {
    sku: item.sku as string,
    name: item.name as string,
    priceMinor: n('priceMinor'),
    currency: item.currency as string,
    available: n('available'),
    reserved: n('reserved'),
    sold: n('sold'),
    writtenOff: n('writtenOff'),
    backordered: n('backordered'),
    lowStockThreshold: n('lowStockThreshold'),
    stockShards: n('stockShards') || 1,
  };
}

/** Keeps the operators' order index (adapters/order-index.ts) in step with an order's creation and status changes. */
export async function indexChange(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): Promise<void> {
  if (!after || after.sk !== 'ORDER' || !String(after.pk).startsWith('ORDER#')) return;
  if (before && before.status === after.status) return;
  await reindexOrder(before as unknown as Order | undefined, after as unknown as Order);
}

/** An event's id: derived from the change and the event's place in it, so a redelivered record names the same event. */
export function eventIdOf(changeId: string, draftKey: string): string {
  return `evt_${createHash('sha256').update(`${changeId}|${draftKey}`).digest('hex').slice(0, 32)}`;
}

/**
 * Publishes the events of one item change: records each once, then queues its
 * deliveries. Safe to run again for the same change (a redelivered stream batch).
 */
export async function publishChange(change: ItemChange, endpoints: () => Promise<WebhookEndpoint[]>, timezone = reportTimezone()): Promise<number> {
  await judgeShardedStock(change);
  const drafts = draftsOf(change);
  for (const draft of drafts) {
    const add = draft.report ? reportIncrements(draft.report, draft.at) : {};
    const report = Object.keys(add).length ? { date: dayIn(timezone, draft.at), shard: shardOf(draft.subject.id, REPORT_SHARDS), add } : null;
    const { event } = await recordEvent(eventIdOf(change.changeId, draft.key), draft, report);
    await fanOut(event, await endpoints());
  }
  return drafts.length;
}

/**
 * One delivery per subscribed endpoint, each queued. A delivery that exists but was
 * never attempted is queued again (the publisher may have stopped between the two);
 * the worker ignores a message whose delivery has moved on.
 */
async function fanOut(event: StoredEvent, endpoints: WebhookEndpoint[]): Promise<void> {
  const now = new Date().toISOString();
  await Promise.all(
    endpoints
      .filter((endpoint) => subscribes(endpoint.events, event.type))
      .map(async (endpoint) => {
        const created = await createDelivery(endpoint.endpointId, event, now);
        if (!created) {
          const existing = await getDelivery(endpoint.endpointId, event.eventId);
          if (!existing || existing.status !== 'PENDING' || existing.attempts > 0) return;
        }
        await queueDelivery(endpoint.endpointId, event.eventId, 0);
      }),
  );
}

