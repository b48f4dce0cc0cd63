/**
 * Events to other systems, end to end: the table's change stream says what changed,
 * each change becomes its events (core/events.ts), each event is recorded once with
 * its sequence and report counts (adapters/events.ts), then one delivery per
 * subscribed endpoint is created and queued. Deliveries are attempted by the webhooks
 * worker, each on its own, on the retry schedule; nothing here waits for an endpoint.
 *
 * Why the change stream and not an outbox written by each decision: every decision in
 * this system is already one conditional write, and the stream carries exactly those
 * writes, once each, in order per item, for 24 hours. Events read from it cannot be
 * forgotten by a new code path, and cost no extra write on the order's path.
 */
import { createHash, randomBytes } from 'node:crypto';
import { newUlid } from '../shared/ids.js';
import { orderEvents, productEvents, returnEvents, subscribes, type EventDraft, type EventProduct } from '../core/events.js';
import { hasStockItems } from '../core/product.js';
import type { Order } from '../core/order.js';
import type { Return } from '../core/returns.js';
import { dayIn, REPORT_SHARDS, reportIncrements } from '../core/reports.js';
import { reportTimezone } from '../core/config.js';
import { DomainError } from '../core/errors.js';
import { loadOnce } from '../shared/once.js';
import { shardOf } from '../adapters/keys.js';
import { markLowStock } from '../adapters/products.js';
import { reindexOrder } from '../adapters/order-index.js';
import {
  createDelivery,
  getDelivery,
  getEndpoint,
  getEvent,
  listEndpoints,
  putEndpoint,
  recordEndpointHealth,
  recordEvent,
  takeEndpointLease,
  updateDelivery,
  type Delivery,
  type StoredEvent,
  type WebhookEndpoint,
} from '../adapters/events.js';
import { endpointUrlProblem, sendEvent, urlRulesFromEnv } from '../adapters/webhook-sender.js';
import { logger } from '../shared/powertools.js';

/** API.md's default retry schedule: pauses after each failed attempt, about 27 hours in all. */
export const DEFAULT_RETRY_SCHEDULE_SECONDS = [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200];
/** An endpoint that let an attempt time out is "slow" this long; its lease outlasts one attempt; others wait about this long for it. */
const SLOW_MARK_SECONDS = 60;
const SLOW_LEASE_SECONDS = 15;
const SLOW_WAIT_SECONDS = 5;
/** SQS holds a message back at most 15 minutes; longer pauses are waited in several hops. */
const MAX_SQS_DELAY_SECONDS = 900;

export function retryScheduleFromEnv(): number[] {
  const raw = process.env.WEBHOOK_RETRY_SCHEDULE_SECONDS;
  if (!raw) return DEFAULT_RETRY_SCHEDULE_SECONDS;
  const pauses = raw.split(',').map((s) => Number(s.trim()));
  if (!pauses.length || pauses.some((p) => !Number.isInteger(p) || p < 0)) throw new Error(`WEBHOOK_RETRY_SCHEDULE_SECONDS must be whole seconds separated by commas, got "${raw}"`);
  return pauses;
}

function deliveryQueueUrl(): string {
  const url = process.env.QUEUE_URL_WEBHOOKS;
  if (!url) throw new Error('Missing required environment variable QUEUE_URL_WEBHOOKS');
  return url;
}

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

/**
 * The SQS client, loaded with the first delivery queued: the delivery worker needs it
 * only to pause a delivery (a retry, a slow endpoint); the publisher, which queues every
 * delivery, loads it at start (streams/publish-events.ts).
 */
const sqsSdk = loadOnce(() => import('../adapters/sqs-client.js'));

async function queueDelivery(endpointId: string, eventId: string, delaySeconds: number): Promise<void> {
  const { sqs, SendMessageCommand } = await sqsSdk();
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: deliveryQueueUrl(),
      MessageBody: JSON.stringify({ endpointId, eventId }),
      DelaySeconds: Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds))),
    }),
  );
}

/**
 * One attempt of a delivery, when it is due: claimed by a versioned write (duplicate
 * messages attempt it once), sent, and its outcome written with the next attempt's time
 * or `FAILED` once the schedule is spent. A pause longer than SQS can hold a message
 * is waited in hops: the message comes back early and is sent on again.
 */
export async function attemptDelivery(endpointId: string, eventId: string, schedule = retryScheduleFromEnv()): Promise<Delivery | null> {
  const delivery = await getDelivery(endpointId, eventId);
  if (!delivery || delivery.status !== 'PENDING') return delivery;
  const dueInSeconds = (Date.parse(delivery.nextAttemptAt) - Date.now()) / 1000;
  if (dueInSeconds > 1) {
    await queueDelivery(endpointId, eventId, dueInSeconds);
    return delivery;
  }
  const endpoint = await getEndpoint(endpointId);
  const event = await getEvent(eventId);
  // A slow endpoint gets one attempt at a time; its other deliveries wait their turn, uncounted.
  const slow = endpoint?.slowUntil !== undefined && Date.parse(endpoint.slowUntil) > Date.now();
  if (slow && !(await takeEndpointLease(endpointId, SLOW_LEASE_SECONDS))) {
    await queueDelivery(endpointId, eventId, SLOW_WAIT_SECONDS + Math.random() * SLOW_WAIT_SECONDS);
    return delivery;
  }
  const startedAt = new Date();
  const claimed = await updateDelivery(delivery, { attempts: delivery.attempts + 1, lastAttemptAt: startedAt.toISOString() });
  if (!claimed) return null; // another message is attempting it
  if (!endpoint || endpoint.deletedAt || !event) {
    return updateDelivery(claimed, { status: 'FAILED', lastResponseStatus: null });
  }
  const outcome = await sendEvent(endpoint, event, urlRulesFromEnv(), startedAt);
  if (outcome.timedOut || slow) await recordEndpointHealth(endpointId, outcome.timedOut ? new Date(Date.now() + SLOW_MARK_SECONDS * 1000).toISOString() : null);
  const madeThisRound = claimed.attempts - claimed.scheduleStart;
  if (outcome.delivered) return updateDelivery(claimed, { status: 'DELIVERED', lastResponseStatus: outcome.status });
  logger.info('webhook delivery failed', { endpointId, eventId, attempt: claimed.attempts, status: outcome.status, error: outcome.error });
  if (madeThisRound > schedule.length) return updateDelivery(claimed, { status: 'FAILED', lastResponseStatus: outcome.status });
  const pause = schedule[madeThisRound - 1]!;
  const next = await updateDelivery(claimed, { lastResponseStatus: outcome.status, nextAttemptAt: new Date(Date.now() + pause * 1000).toISOString() });
  if (next) await queueDelivery(endpointId, eventId, pause);
  return next;
}

/** An operator's retry: the delivery is due now, with the whole schedule again after it. */
export async function retryDelivery(endpointId: string, eventId: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const delivery = await getDelivery(endpointId, eventId);
    if (!delivery) throw new DomainError('NOT_FOUND', `No delivery of ${eventId} to ${endpointId}`);
    const updated = await updateDelivery(delivery, { status: 'PENDING', nextAttemptAt: new Date().toISOString(), scheduleStart: delivery.attempts });
    if (updated) {
      await queueDelivery(endpointId, eventId, 0);
      return;
    }
  }
  throw new Error(`The delivery of ${eventId} to ${endpointId} kept changing`);
}

/** A new endpoint, its URL checked (rules and DNS); its secret is shown once, to the caller. */
export async function registerEndpoint(input: { url: string; events: string[]; description?: string }): Promise<WebhookEndpoint> {
  const problem = await endpointUrlProblem(input.url, urlRulesFromEnv());
  if (problem) throw new DomainError('UNSAFE_URL', `The URL ${problem}`, [{ path: 'body.url', message: problem }]);
  const endpoint: WebhookEndpoint = {
    endpointId: `we_${newUlid()}`,
    url: input.url,
    events: [...new Set(input.events)],
    description: input.description ?? null,
    secret: `whsec_${randomBytes(32).toString('base64')}`,
    createdAt: new Date().toISOString(),
  };
  await putEndpoint(endpoint);
  return endpoint;
}

export { listEndpoints };
