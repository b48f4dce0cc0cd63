/**
 * Events, their subscribers and deliveries in the table.
 *
 * An event is recorded once: one transaction puts it (only if its id is new), moves its
 * subject's sequence counter from n to n + 1 (only if it still reads n) and adds it to
 * its day's report counters. A redelivered stream record finds its event there and adds
 * nothing; two publishers racing for one subject's next number cannot both take it. So
 * sequences have no gaps and reports count each event once.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import type { EventDraft, EventType } from '../core/events.js';
import { dynamo } from './aws-clients.js';
import { cancellationReasons } from './orders.js';
import { batchGetAll } from './batch-get.js';
import { deliveriesByStatusPartition, endpointDeliveriesPartition, GSI1, GSI2, keys, subjectEventsPartition, tableName, webhookEndpointsPartition } from './keys.js';
import { gunzipSync, gzipSync } from 'node:zlib';

const TABLE = tableName();
/** Events are kept 90 days (a receiver's retries and an operator's look-ups need far less). */
const EVENT_TTL_SECONDS = 90 * 86_400;

export interface StoredEvent {
  eventId: string;
  type: EventType;
  subject: string;
  sequence: number;
  createdAt: string;
  /** The exact JSON every delivery sends (signatures are over these bytes). */
  body: string;
}

export const subjectName = (subject: EventDraft['subject']) => `${subject.kind}#${subject.id}`;

export async function getEvent(eventId: string): Promise<StoredEvent | null> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: TABLE, Key: keys.event(eventId), ConsistentRead: true }));
  return Item ? toEvent(Item) : null;
}

/** An event as stored: its `type` attribute names the item kind, `eventType` the event. */
function toEvent(item: Record<string, unknown>): StoredEvent {
  // Bodies are stored gzipped (a third of the size: fewer write units for the event and its index entry).
  const body = item.body instanceof Uint8Array ? gunzipSync(item.body).toString('utf8') : (item.body as string);
  return { eventId: item.eventId as string, type: item.eventType as EventType, subject: item.subject as string, sequence: item.sequence as number, createdAt: item.createdAt as string, body };
}

export interface ReportCounting {
  date: string;
  shard: number;
  add: Record<string, number>;
}

/**
 * Records the event once, with the next sequence of its subject and its report counts.
 * Returns the stored event (the earlier one if it was recorded before).
 */
export async function recordEvent(eventId: string, draft: EventDraft, report: ReportCounting | null): Promise<{ event: StoredEvent; created: boolean }> {
  const subject = subjectName(draft.subject);
  for (let attempt = 0; ; attempt++) {
    // The put below is conditional on the id being new: look for an earlier recording
    // only after a try failed (a redelivered change), not before every event.
    const existing = attempt > 0 ? await getEvent(eventId) : null;
    if (existing) return { event: existing, created: false };
    const { Item: counter } = await dynamo.send(new GetCommand({ TableName: TABLE, Key: keys.eventSequence(subject), ConsistentRead: true }));
    const previous = (counter?.sequence as number | undefined) ?? 0;
    const sequence = previous + 1;
    const event: StoredEvent = {
      eventId,
      type: draft.type,
      subject,
      sequence,
      createdAt: draft.at,
      body: JSON.stringify({ id: eventId, type: draft.type, createdAt: draft.at, sequence, data: draft.data }),
    };
    const items: object[] = [
      {
        Put: {
          TableName: TABLE,
          Item: {
            ...keys.event(eventId),
            ...event,
            body: gzipSync(event.body),
            type: 'event',
            eventType: draft.type,
            gsi1pk: subjectEventsPartition(subject),
            gsi1sk: String(sequence).padStart(10, '0'),
            expiresAt: Math.floor(Date.now() / 1000) + EVENT_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: TABLE,
          Key: keys.eventSequence(subject),
          UpdateExpression: 'SET #sequence = :next',
          ConditionExpression: previous ? '#sequence = :previous' : 'attribute_not_exists(#sequence)',
          ExpressionAttributeNames: { '#sequence': 'sequence' },
          ExpressionAttributeValues: { ':next': sequence, ...(previous ? { ':previous': previous } : {}) },
        },
      },
    ];
    const counts = Object.entries(report?.add ?? {}).filter(([, value]) => value !== 0);
    if (report && counts.length) {
      items.push({
        Update: {
          TableName: TABLE,
          Key: keys.report(report.date, report.shard),
          UpdateExpression: `ADD ${counts.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(counts.map(([name], i) => [`#c${i}`, name])),
          ExpressionAttributeValues: Object.fromEntries(counts.map(([, value], i) => [`:c${i}`, value])),
        },
      });
    }
    try {
      await dynamo.send(new TransactWriteCommand({ TransactItems: items as never }));
      return { event, created: true };
    } catch (error) {
      const reasons = cancellationReasons(error);
      // Another publisher took this number (or recorded this very event): read again.
      if (reasons && attempt < 20 && reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')) continue;
      throw error;
    }
  }
}

/** A subject's events in sequence order (the order timeline). */
export async function listSubjectEvents(subject: EventDraft['subject'], limit = 500): Promise<StoredEvent[]> {
  const out = await dynamo.send(
    new QueryCommand({ TableName: TABLE, IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': subjectEventsPartition(subjectName(subject)) }, Limit: limit }),
  );
  return (out.Items ?? []).map(toEvent);
}

// ---- Webhook endpoints -------------------------------------------------------------

export interface WebhookEndpoint {
  endpointId: string;
  url: string;
  events: string[];
  description: string | null;
  secret: string;
  createdAt: string;
  deletedAt?: string;
  /** Internal: its last attempt found it slow (no answer in time); until then it gets one attempt at a time. */
  slowUntil?: string;
}

export async function putEndpoint(endpoint: WebhookEndpoint): Promise<void> {
  await dynamo.send(
    new PutCommand({
      TableName: TABLE,
      Item: { ...keys.webhookEndpoint(endpoint.endpointId), ...endpoint, type: 'webhookEndpoint', gsi1pk: webhookEndpointsPartition, gsi1sk: `${endpoint.createdAt}#${endpoint.endpointId}` },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

const toEndpoint = (item: Record<string, unknown>): WebhookEndpoint => {
  const { endpointId, url, events, description, secret, createdAt, deletedAt, slowUntil } = item as unknown as WebhookEndpoint;
  return { endpointId, url, events, description: description ?? null, secret, createdAt, ...(deletedAt ? { deletedAt } : {}), ...(slowUntil ? { slowUntil } : {}) };
};

export async function getEndpoint(endpointId: string): Promise<WebhookEndpoint | null> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: TABLE, Key: keys.webhookEndpoint(endpointId), ConsistentRead: true }));
  return Item ? toEndpoint(Item) : null;
}

/** Every endpoint that is not deleted (deleting takes it off this list). */
export async function listEndpoints(): Promise<WebhookEndpoint[]> {
  const endpoints: WebhookEndpoint[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await dynamo.send(
      new QueryCommand({ TableName: TABLE, IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': webhookEndpointsPartition }, ExclusiveStartKey: startKey }),
    );
    endpoints.push(...(out.Items ?? []).map(toEndpoint));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return endpoints;
}

/** Soft delete: the endpoint leaves the list (nothing more is sent), its deliveries stay readable. */
export async function deleteEndpoint(endpointId: string): Promise<boolean> {
  try {
    await dynamo.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.webhookEndpoint(endpointId),
        UpdateExpression: 'SET deletedAt = :now REMOVE gsi1pk, gsi1sk',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
        ExpressionAttributeValues: { ':now': new Date().toISOString() },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * A slow endpoint's single lease: while it is marked slow, only the holder attempts a
 * delivery to it, so it ties up one worker at a time, never the pool. False when taken.
 */
export async function takeEndpointLease(endpointId: string, seconds: number): Promise<boolean> {
  const now = new Date();
  try {
    await dynamo.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.webhookEndpoint(endpointId),
        UpdateExpression: 'SET leaseUntil = :until',
        ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
        ExpressionAttributeValues: { ':until': new Date(now.getTime() + seconds * 1000).toISOString(), ':now': now.toISOString() },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** After an attempt: the lease given back, and the endpoint marked slow (until a time) or not. */
export async function recordEndpointHealth(endpointId: string, slowUntil: string | null): Promise<void> {
  await dynamo.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: keys.webhookEndpoint(endpointId),
      UpdateExpression: slowUntil ? 'SET slowUntil = :until REMOVE leaseUntil' : 'REMOVE leaseUntil, slowUntil',
      ConditionExpression: 'attribute_exists(pk)',
      ...(slowUntil ? { ExpressionAttributeValues: { ':until': slowUntil } } : {}),
    }),
  ).catch((error: unknown) => {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  });
}

// ---- Deliveries ----------------------------------------------------------------------

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface Delivery {
  endpointId: string;
  eventId: string;
  type: EventType;
  status: DeliveryStatus;
  attempts: number;
  lastAttemptAt: string | null;
  lastResponseStatus: number | null;
  /** Internal: when the next attempt is due, and the attempts made before an operator's retry restarted the schedule. */
  nextAttemptAt: string;
  scheduleStart: number;
  createdAt: string;
  version: number;
}

const deliveryIndexKeys = (d: Pick<Delivery, 'endpointId' | 'eventId' | 'createdAt' | 'status'>) => ({
  gsi1pk: endpointDeliveriesPartition(d.endpointId),
  gsi1sk: `${d.createdAt}#${d.eventId}`,
  gsi2pk: deliveriesByStatusPartition(d.endpointId, d.status),
  gsi2sk: `${d.createdAt}#${d.eventId}`,
});

function toDelivery(item: Record<string, unknown>): Delivery {
  const { endpointId, eventId, status, attempts, lastAttemptAt, lastResponseStatus, nextAttemptAt, scheduleStart, createdAt, version } = item as unknown as Delivery;
  return { endpointId, eventId, type: item.eventType as EventType, status, attempts, lastAttemptAt, lastResponseStatus, nextAttemptAt, scheduleStart, createdAt, version };
}

/** The delivery of an event to an endpoint, created once; false when it already existed. */
export async function createDelivery(endpointId: string, event: Pick<StoredEvent, 'eventId' | 'type'>, now: string): Promise<boolean> {
  const delivery = { endpointId, eventId: event.eventId, status: 'PENDING' as const, attempts: 0, lastAttemptAt: null, lastResponseStatus: null, nextAttemptAt: now, scheduleStart: 0, createdAt: now, version: 1 };
  try {
    await dynamo.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...keys.delivery(endpointId, event.eventId), ...delivery, eventType: event.type, type: 'delivery', ...deliveryIndexKeys(delivery), expiresAt: Math.floor(Date.now() / 1000) + EVENT_TTL_SECONDS },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function getDelivery(endpointId: string, eventId: string): Promise<Delivery | null> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: TABLE, Key: keys.delivery(endpointId, eventId), ConsistentRead: true }));
  return Item ? toDelivery(Item) : null;
}

/** Many deliveries at once (the timeline's events × endpoints); those that do not exist are absent. */
export async function getDeliveries(pairs: readonly { endpointId: string; eventId: string }[]): Promise<Delivery[]> {
  return (await batchGetAll(pairs.map((p) => keys.delivery(p.endpointId, p.eventId)))).map(toDelivery);
}

/**
 * Writes a delivery's new state if nobody changed it since it was read (its version);
 * false when someone did (the caller re-reads and converges).
 */
export async function updateDelivery(delivery: Delivery, change: Partial<Pick<Delivery, 'status' | 'attempts' | 'lastAttemptAt' | 'lastResponseStatus' | 'nextAttemptAt' | 'scheduleStart'>>): Promise<Delivery | null> {
  const next = { ...delivery, ...change, version: delivery.version + 1 };
  const set: Record<string, NativeAttributeValue> = { ...change, version: next.version, gsi2pk: deliveriesByStatusPartition(next.endpointId, next.status) };
  const names = Object.keys(set);
  try {
    await dynamo.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.delivery(delivery.endpointId, delivery.eventId),
        UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')}`,
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { ...Object.fromEntries(names.map((name, i) => [`#a${i}`, name])), '#version': 'version' },
        ExpressionAttributeValues: { ...Object.fromEntries(names.map((name, i) => [`:a${i}`, set[name]])), ':expected': delivery.version },
      }),
    );
    return next;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return null;
    throw error;
  }
}

/** An endpoint's deliveries, newest first, optionally of one status. */
export async function listDeliveries(endpointId: string, status: DeliveryStatus | undefined, limit: number, startKey?: Record<string, unknown>) {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: status ? GSI2 : GSI1,
      KeyConditionExpression: status ? 'gsi2pk = :p' : 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': status ? deliveriesByStatusPartition(endpointId, status) : endpointDeliveriesPartition(endpointId) },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return { items: (out.Items ?? []).map(toDelivery), lastKey: out.LastEvaluatedKey };
}
