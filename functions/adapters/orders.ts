/**
 * The order repository. Status changes are conditional writes on the order's
 * current status that append to `history`; the stock moves a change implies ride in
 * the same transaction, so a retried message can never apply them twice.
 */
import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  type CancellationReason as DynamoCancellationReason,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { dynamo } from './aws-clients.js';
import { customerPartition, dueOrdersPartition, dueOrdersShard, GSI1, GSI2, GSI3, OPEN_ORDER_SHARDS, PICK_TASK_SHARDS, STORAGE_ATTRIBUTES, keys, openOrderPartition, openPickTasksPartition, openPickTasksShard, backorderedPartition, tableName } from './keys.js';
import { deadlines } from '../core/config.js';
import { once } from '../shared/once.js';
import { allowedPredecessors, FINAL_STATUSES, orderView, type CancellationReason, type Order, type OrderStatus, type ShipmentEvent, type Stage } from '../core/order.js';
import type { Payment } from '../core/money.js';
import type { StockLine } from '../core/decisions.js';
import type { ReservationPlan } from '../core/stock-shards.js';

const TABLE = tableName();
type Item = Record<string, NativeAttributeValue>;

/** The order as stored, with the workflow's bookkeeping (never shown to clients). */
export interface StoredOrder extends Order {
  /** Bumped by every write: a decision taken from a read is written only if nothing changed since. */
  version: number;
  taskToken?: string;
  taskStage?: Stage;
  pickTaskCreatedAt?: string;
  /** Handed over to the carrier: when the order is completed if nothing else completes it first (the due-orders index). */
  dueAt?: string;
  packages?: { weightGrams: number }[];
  shipmentEventKeys?: Set<string>;
  shipmentLatestAt?: string;
  /** Payments for this order that do not pay it (a second or late payment), each with the refund it is owed. */
  strayPayments?: Payment[];
  /** Units each SKU still owes a backordered order (WAIT_FOR_RESTOCK); restocks serve them. */
  backorder?: Record<string, number>;
  /** The carrier's tracking subscription when it is not simply running (Kuaidi100 `abort` or `shutdown`). */
  shipmentTracking?: TrackingState;
}

export interface TrackingState {
  state: string;
  message: string;
  at: string;
  /** How often the reconciler subscribed again after an `abort`. */
  resubscriptions: number;
}

/** One event once: by its instant and status, whoever reports it and however often. */
export const shipmentEventKey = (event: ShipmentEvent) => `${event.occurredAt}|${event.status}`;

export function toOrder(item: Item): StoredOrder {
  const order = { ...item };
  for (const attribute of STORAGE_ATTRIBUTES) delete order[attribute];
  return order as StoredOrder;
}

/** What clients see: the Order of API.md, in its field order, and nothing else. */
export function publicOrder(order: StoredOrder): Order {
  return orderView(order, true);
}

export async function getOrder(orderId: string): Promise<StoredOrder | null> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: TABLE, Key: keys.order(orderId), ConsistentRead: true }));
  return Item ? toOrder(Item) : null;
}

export async function listCustomerOrders(customerId: string, limit: number, startKey?: Record<string, unknown>) {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': customerPartition(customerId) },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return { items: (out.Items ?? []).map(toOrder), lastKey: out.LastEvaluatedKey };
}

/**
 * A page of open pick tasks, oldest first (a sparse index: only PICKING orders are in
 * it), merged from every shard: each shard read from after where the last page took
 * its last task, the oldest `limit` of them kept. `after` holds that place per shard
 * (sort keys, '' for a shard not read yet); null after the last page.
 */
export async function pageOpenPickTasks(limit: number, after: readonly string[] = []): Promise<{ items: StoredOrder[]; after: string[] | null }> {
  const shards = await Promise.all(
    Array.from({ length: PICK_TASK_SHARDS }, async (_, shard) => {
      const from = after[shard] ?? '';
      const out = await dynamo.send(
        new QueryCommand({
          TableName: TABLE,
          IndexName: GSI2,
          KeyConditionExpression: from ? 'gsi2pk = :p AND gsi2sk > :after' : 'gsi2pk = :p',
          ExpressionAttributeValues: { ':p': openPickTasksShard(shard), ...(from ? { ':after': from } : {}) },
          ScanIndexForward: true,
          Limit: limit,
        }),
      );
      return { shard, items: out.Items ?? [], more: !!out.LastEvaluatedKey };
    }),
  );
  const merged = shards.flatMap(({ shard, items }) => items.map((item) => ({ shard, item }))).sort((a, b) => String(a.item.gsi2sk).localeCompare(String(b.item.gsi2sk)));
  const taken = merged.slice(0, limit);
  const next = Array.from({ length: PICK_TASK_SHARDS }, (_, shard) => after[shard] ?? '');
  for (const { shard, item } of taken) next[shard] = String(item.gsi2sk);
  const more = merged.length > limit || shards.some((s) => s.more);
  return { items: taken.map(({ item }) => toOrder(item)), after: more ? next : null };
}

/** Where a walk through the open-order index is: a shard and the key to start after. */
export interface OpenOrdersPosition {
  shard: number;
  startKey?: Record<string, unknown>;
}

/**
 * Every page of the open-order index (orders not final, created before `before`), shard
 * after shard, oldest first within a shard, from a position; each page with the position
 * after it (null after the last).
 */
export async function* openOrderPages(before: string, pageSize: number, from: OpenOrdersPosition = { shard: 0 }): AsyncGenerator<{ items: StoredOrder[]; next: OpenOrdersPosition | null }> {
  let position: OpenOrdersPosition | null = from;
  while (position) {
    const out: QueryCommandOutput = await dynamo.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: GSI3,
        KeyConditionExpression: 'gsi3pk = :p AND gsi3sk < :before',
        ExpressionAttributeValues: { ':p': `OPEN#${position.shard}`, ':before': before },
        Limit: pageSize,
        ExclusiveStartKey: position.startKey,
      }),
    );
    position = out.LastEvaluatedKey ? { shard: position.shard, startKey: out.LastEvaluatedKey } : position.shard + 1 < OPEN_ORDER_SHARDS ? { shard: position.shard + 1 } : null;
    yield { items: (out.Items ?? []).map(toOrder), next: position };
  }
}

export type { StockLine, StockMove } from '../core/decisions.js';

/** One SKU's stock movement as a single conditional update of its counters. */
export function stockMoveUpdate({ sku, quantity, move, writtenOff = 0, backordered = 0, shard = 0 }: StockLine) {
  const [from, to] = {
    reserve: ['available', 'reserved'],
    sell: ['reserved', 'sold'],
    release: ['reserved', 'available'],
    unsell: ['sold', 'available'],
  }[move];
  return {
    TableName: TABLE,
    Key: keys.stockShard(sku, shard),
    // Written-off units are counted, so the ledger stays explainable:
    // restocked = available + reserved + sold + writtenOff.
    UpdateExpression: `SET ${from} = ${from} - :out, ${to} = ${to} + :q${writtenOff ? ', writtenOff = if_not_exists(writtenOff, :zero) + :w' : ''}${backordered ? ', backordered = if_not_exists(backordered, :zero) + :b' : ''}`,
    ConditionExpression: `${from} >= :out`,
    ExpressionAttributeValues: { ':q': quantity, ':out': quantity + writtenOff, ...(writtenOff || backordered ? { ':zero': 0 } : {}), ...(writtenOff ? { ':w': writtenOff } : {}), ...(backordered ? { ':b': backordered } : {}) },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
}

/**
 * A line's reservation as conditional updates: units taken from each planned shard's
 * `available`, all of them reserved on the home shard (core/stock-shards.ts).
 */
export function reservationUpdates(sku: string, quantity: number, plan: ReservationPlan, price?: { priceMinor: number; currency: string }) {
  return plan.takes.map((take) => {
    // Shard 0 is the product item: the line's price and currency are checked by the same
    // write, so an order is priced as the catalog stands when its stock is taken.
    const priced = price && take.shard === 0;
    return {
      TableName: TABLE,
      Key: keys.stockShard(sku, take.shard),
      UpdateExpression: take.shard === plan.home ? 'SET available = available - :take, reserved = reserved + :q' : 'SET available = available - :take',
      ConditionExpression: priced ? 'available >= :take AND priceMinor = :price AND #currency = :currency' : 'available >= :take',
      ...(priced ? { ExpressionAttributeNames: { '#currency': 'currency' } } : {}),
      ExpressionAttributeValues: {
        ':take': take.quantity,
        ...(take.shard === plan.home ? { ':q': quantity } : {}),
        ...(priced ? { ':price': price.priceMinor, ':currency': price.currency } : {}),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
  });
}

/**
 * Writes a new order, its stock reservations (one plan per line, in line order; the
 * home shards recorded on the order) and its idempotency record: all or nothing.
 * The transaction's items: `reservationItems(plans)`, then the order, then the key.
 */
export async function createOrder(order: Order, plans: readonly ReservationPlan[], idempotency: { key: string; requestHash: string; ttlSeconds: number }) {
  const stockShards = Object.fromEntries(order.items.flatMap((line, i) => (plans[i]!.home ? [[line.sku, plans[i]!.home]] : [])));
  const orderItem: Item = {
    ...order,
    ...(Object.keys(stockShards).length ? { stockShards } : {}),
    version: 1,
    ...keys.order(order.orderId),
    type: 'order',
    gsi1pk: customerPartition(order.customerId),
    gsi1sk: `${order.createdAt}#${order.orderId}`,
    ...openOrderKeys(order),
  };
  const idempotencyItem: Item = {
    ...keys.idempotency(order.customerId, idempotency.key),
    type: 'idempotency',
    requestHash: idempotency.requestHash,
    orderId: order.orderId,
    createdAt: order.createdAt,
    expiresAt: Math.floor(Date.now() / 1000) + idempotency.ttlSeconds,
  };
  const stock = order.items.flatMap((line, i) => reservationUpdates(line.sku, line.quantity, plans[i]!, { priceMinor: line.unitPriceMinor, currency: order.currency }));
  await dynamo.send(
    new TransactWriteCommand({
      TransactItems: [
        ...stock.map((update) => ({ Update: update })),
        { Put: { TableName: TABLE, Item: orderItem, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: TABLE, Item: idempotencyItem, ConditionExpression: 'attribute_not_exists(pk)' } },
      ],
    }),
  );
}

/** Which line and shard each stock item of `createOrder`'s transaction is, in order; then the order and the key. */
export function reservationItems(plans: readonly ReservationPlan[]): { line: number; shard: number }[] {
  return plans.flatMap((plan, line) => plan.takes.map((take) => ({ line, shard: take.shard })));
}

export async function getIdempotencyRecord(customerId: string, key: string) {
  const { Item } = await dynamo.send(
    new GetCommand({ TableName: TABLE, Key: keys.idempotency(customerId, key), ConsistentRead: true }),
  );
  return Item ? { requestHash: Item.requestHash as string, orderId: Item.orderId as string } : null;
}

export function cancellationReasons(error: unknown): DynamoCancellationReason[] | null {
  return error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : null;
}


/** Adds `path = value` assignments (dotted paths allowed) to an update's names and values. */
function assignments(set: Record<string, NativeAttributeValue>, names: Record<string, string>, values: Item, prefix: string): string[] {
  return Object.entries(set).map(([path, value], i) => {
    const parts = path.split('.').map((part, j) => {
      names[`#${prefix}${i}_${j}`] = part;
      return `#${prefix}${i}_${j}`;
    });
    values[`:${prefix}${i}`] = value;
    return `${parts.join('.')} = :${prefix}${i}`;
  });
}

const VERSION_BUMP = 'version = if_not_exists(version, :one) + :one';

/** ` AND version = :v` when the write must see the version its decision was read from. */
function versionGuard(version: number | undefined, values: Item): string {
  if (version === undefined) return '';
  values[':v'] = version;
  return ' AND version = :v';
}

/** `#status IN (...)` over the given statuses. */
function statusIn(statuses: readonly OrderStatus[], values: Item, prefix: string): string {
  statuses.forEach((status, i) => (values[`:${prefix}${i}`] = status));
  return `#status IN (${statuses.map((_, i) => `:${prefix}${i}`).join(', ')})`;
}

export interface Transition {
  to: OrderStatus;
  /** Statuses the order may be in; defaults to the lifecycle's allowed predecessors. */
  from?: readonly OrderStatus[];
  reason?: CancellationReason;
  /** Further attributes to set with the change (dotted paths allowed, e.g. `payment.status`). */
  set?: Record<string, NativeAttributeValue>;
  remove?: readonly string[];
  stock?: readonly StockLine[];
  /** Write only if the order is still the version the decision was taken from. */
  expectVersion?: number;
  /** Keep the order in the open-orders index although final (effects it owes are still to be carried out). */
  keepOpen?: boolean;
}

/**
 * Moves the order from one of `from` to `to`, appending to history, with the given
 * side writes. Returns the new order, or null when the order was not in a `from`
 * status (someone else got there first): the caller decides what that means.
 */
export async function transition(orderId: string, change: Transition): Promise<StoredOrder | null> {
  const now = new Date().toISOString();
  const from = change.from ?? allowedPredecessors(change.to);
  const names: Record<string, string> = { '#status': 'status' };
  const values: Item = {
    ':to': change.to,
    ':now': now,
    ':h': [{ status: change.to, at: now, ...(change.reason ? { reason: change.reason } : {}) }],
  };
  const sets = ['#status = :to', 'updatedAt = :now', 'history = list_append(history, :h)', VERSION_BUMP];
  values[':one'] = 1;
  if (change.reason) {
    sets.push('cancellation = :c');
    values[':c'] = { reason: change.reason, at: now };
  }
  // Handed over to the carrier, an order's next deadline is kept in the due-orders index.
  const due = dueChange(orderId, change.to, now);
  sets.push(...assignments({ ...(change.set ?? {}), ...due.set }, names, values, 's'));
  // A final order leaves the open-orders index (nothing is left to reconcile).
  const remove = [...new Set([...(change.remove ?? []), ...due.remove, ...(FINAL_STATUSES.includes(change.to) && !change.keepOpen ? ['gsi3pk', 'gsi3sk'] : [])])];
  const removes = remove.map((attribute, i) => {
    names[`#r${i}`] = attribute;
    return `#r${i}`;
  });
  const update = {
    TableName: TABLE,
    Key: keys.order(orderId),
    UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: statusIn(from, values, 'f') + versionGuard(change.expectVersion, values),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
  try {
    if (!change.stock?.length) {
      const { Attributes } = await dynamo.send(new UpdateCommand({ ...update, ReturnValues: 'ALL_NEW' }));
      return toOrder(Attributes!);
    }
    await dynamo.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: update },
          ...change.stock.map((line) => ({ Update: stockMoveUpdate(line) })),
        ],
      }),
    );
    return await getOrder(orderId);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return null;
    const reasons = cancellationReasons(error);
    // The order's own condition failed: it has moved on. A stock condition failing
    // while the order's holds would mean the ledger is broken: let that surface.
    if (reasons && reasons[0]?.Code === 'ConditionalCheckFailed') return null;
    throw error;
  }
}

/**
 * An update of the order for a transaction that writes other items with it (a return
 * and its stock moves): `set` applied only on the version the decision was read from.
 */
export function versionedOrderUpdate(orderId: string, expectVersion: number, set: Record<string, NativeAttributeValue>, remove: readonly string[] = []) {
  const names: Record<string, string> = {};
  const values: Item = { ':now': new Date().toISOString(), ':one': 1 };
  const sets = ['updatedAt = :now', VERSION_BUMP, ...assignments(set, names, values, 's')];
  return {
    TableName: TABLE,
    Key: keys.order(orderId),
    UpdateExpression: `SET ${sets.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
    ConditionExpression: 'attribute_exists(pk)' + versionGuard(expectVersion, values),
    ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
    ExpressionAttributeValues: values,
  };
}

/**
 * Records the workflow's task token for `stage` while the order is in one of
 * `whileIn`. Returns the order either way, and whether the token was stored.
 */
export async function recordTask(
  orderId: string,
  stage: Stage,
  token: string,
  whileIn: readonly OrderStatus[],
  set: Record<string, NativeAttributeValue> = {},
): Promise<{ stored: boolean; order: StoredOrder | null }> {
  const order = await updateWhile(orderId, whileIn, { ...set, taskToken: token, taskStage: stage });
  return order ? { stored: true, order } : { stored: false, order: await getOrder(orderId) };
}

/**
 * Sets attributes on the order without a status change, guarded by its status and,
 * optionally, by the version a decision was read from. Null when a guard fails.
 */
export async function updateWhile(
  orderId: string,
  whileIn: readonly OrderStatus[],
  set: Record<string, NativeAttributeValue>,
  guard: { expectVersion?: number; remove?: readonly string[] } = {},
): Promise<StoredOrder | null> {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Item = { ':now': new Date().toISOString(), ':one': 1 };
  const sets = ['updatedAt = :now', VERSION_BUMP, ...assignments(set, names, values, 's')];
  const condition = statusIn(whileIn, values, 'w') + versionGuard(guard.expectVersion, values);
  try {
    const { Attributes } = await dynamo.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.order(orderId),
        UpdateExpression: `SET ${sets.join(', ')}${guard.remove?.length ? ` REMOVE ${guard.remove.join(', ')}` : ''}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toOrder(Attributes!);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return null;
    throw error;
  }
}

/**
 * Appends a carrier event to the order's shipment unless it is there already (same
 * status and time): one unconditional-on-size write, so concurrent events never
 * contend. The keys of events seen live beside the shipment, never shown to clients.
 */
export async function appendShipmentEvent(orderId: string, event: ShipmentEvent): Promise<'added' | 'known' | 'no-shipment'> {
  const key = shipmentEventKey(event);
  try {
    await dynamo.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.order(orderId),
        UpdateExpression: 'SET shipment.events = list_append(shipment.events, :e), updatedAt = :now, ' + VERSION_BUMP + ' ADD shipmentEventKeys :ks',
        ConditionExpression: 'attribute_exists(shipment.trackingNumber) AND NOT contains(shipmentEventKeys, :k)',
        ExpressionAttributeValues: { ':e': [event], ':now': new Date().toISOString(), ':one': 1, ':ks': new Set([key]), ':k': key },
      }),
    );
    return 'added';
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const order = await getOrder(orderId);
    return order?.shipment ? 'known' : 'no-shipment';
  }
}

/**
 * Moves the shipment's status to `event` if no newer event was seen (ties: the later
 * write wins). True when the event is now the newest.
 */
export async function advanceShipmentStatus(orderId: string, event: ShipmentEvent): Promise<boolean> {
  try {
    await dynamo.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.order(orderId),
        UpdateExpression: 'SET shipment.#status = :s, shipmentLatestAt = :t, updatedAt = :now, ' + VERSION_BUMP,
        ConditionExpression: 'attribute_exists(shipment.trackingNumber) AND (attribute_not_exists(shipmentLatestAt) OR shipmentLatestAt <= :t)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':s': event.status, ':t': event.occurredAt, ':now': new Date().toISOString(), ':one': 1 },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * The due-orders index as an order enters `status`: SHIPPED is due for completion at
 * the delivery deadline, DELIVERED at the receipt deadline (AUTO_CONFIRM_SECONDS); a
 * final order leaves it. Other statuses leave the index keys as they are (GSI2 also
 * holds pick tasks before the hand-over).
 */
/** The deadlines, read from the environment once (every transition asks). */
const DEADLINES = once(deadlines);

export function dueChange(orderId: string, status: OrderStatus, at: string): { set: Record<string, string>; remove: string[] } {
  const d = DEADLINES();
  const after = status === 'SHIPPED' ? d.deliverySeconds : status === 'DELIVERED' ? d.receiptSeconds : null;
  if (after !== null) {
    const dueAt = new Date(Date.parse(at) + after * 1000).toISOString();
    return { set: { gsi2pk: dueOrdersPartition(orderId), gsi2sk: `${dueAt}#${orderId}`, dueAt }, remove: [] };
  }
  return FINAL_STATUSES.includes(status) ? { set: {}, remove: ['gsi2pk', 'gsi2sk', 'dueAt'] } : { set: {}, remove: [] };
}

/** Orders due (their deadline passed) in one shard of the due-orders index, oldest first, a page at a time. */
export async function dueOrdersPage(shard: number, before: string, limit: number, startKey?: Record<string, unknown>) {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: GSI2,
      KeyConditionExpression: 'gsi2pk = :p AND gsi2sk < :before',
      ExpressionAttributeValues: { ':p': dueOrdersShard(shard), ':before': before },
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  return { items: (out.Items ?? []).map(toOrder), lastKey: out.LastEvaluatedKey };
}

/** The open-orders index keys: an order stays there while it is not final or still owes an effect. */
export const openOrderKeys = (order: Pick<Order, 'orderId' | 'createdAt'>) => ({
  gsi3pk: openOrderPartition(order.orderId),
  gsi3sk: `${order.createdAt}#${order.orderId}`,
});

export const pickTaskKeys = (order: Pick<Order, 'orderId'>, createdAt: string) => ({
  gsi2pk: openPickTasksPartition(order.orderId),
  gsi2sk: `${createdAt}#${order.orderId}`,
  pickTaskCreatedAt: createdAt,
});

/** The order's versioned change with the stock moves decided with it, all or nothing; false when another writer came first. */
export async function updateWithStock(orderId: string, expectVersion: number, set: Record<string, NativeAttributeValue>, remove: readonly string[], stock: readonly (StockLine | ReturnType<typeof allocationUpdate>)[]): Promise<boolean> {
  try {
    await dynamo.send(
      new TransactWriteCommand({
        TransactItems: [{ Update: versionedOrderUpdate(orderId, expectVersion, set, remove) }, ...stock.map((line) => ({ Update: 'TableName' in line ? line : stockMoveUpdate(line) }))],
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    if (cancellationReasons(error)?.[0]?.Code === 'ConditionalCheckFailed') return false;
    throw error;
  }
}

/** Restocked units served to a backordered order: straight to `sold` (on the order's shard of the SKU), owed no more. */
export function allocationUpdate(sku: string, units: number, shard = 0) {
  return {
    TableName: TABLE,
    Key: keys.stockShard(sku, shard),
    UpdateExpression: 'SET sold = if_not_exists(sold, :zero) + :a, backordered = backordered - :a, updatedAt = :now',
    ConditionExpression: 'backordered >= :a',
    ExpressionAttributeValues: { ':a': units, ':zero': 0, ':now': new Date().toISOString() },
  };
}

export async function listBackorderedOrders(limit: number, startKey?: Record<string, unknown>) {
  const out = await dynamo.send(
    new QueryCommand({ TableName: TABLE, IndexName: GSI2, KeyConditionExpression: 'gsi2pk = :p', ExpressionAttributeValues: { ':p': backorderedPartition }, Limit: limit, ExclusiveStartKey: startKey }),
  );
  return { items: (out.Items ?? []).map(toOrder), lastKey: out.LastEvaluatedKey };
}
