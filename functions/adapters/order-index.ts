/**
 * Operators' order search (API.md "Operations": GET /ops/orders), through indexes made
 * for it, never a scan. Index entries are small items of the table itself, keyed
 * `<index>#<value>#<UTC day of creation>#<shard>` with sort key `<createdAt>#<orderId>`:
 * every order (`OPSORDERS`), orders by current status (`OPSSTATUS#<status>`) and by SKU
 * (`OPSSKU#<sku>`). They are written by the event publisher from the change stream
 * (so no order write pays for them), and a customer's orders use the customer index
 * the orders already have (GSI1). Days and shards keep any one partition cool; a page
 * is the newest-first merge of a day's shards, then the day before.
 */
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from './batch-get.js';
import type { Order } from '../core/order.js';
import { dynamo } from './aws-clients.js';
import { customerPartition, GSI1, keys, shardOf, tableName } from './keys.js';
import { toOrder, type StoredOrder } from './orders.js';

const TABLE = tableName();
export const INDEX_SHARDS = 4;
const DAY_MS = 86_400_000;

const position = (order: Pick<Order, 'createdAt' | 'orderId'>) => `${order.createdAt}#${order.orderId}`;
const day = (iso: string) => iso.slice(0, 10);
const partition = (index: string, createdAt: string, orderId: string) => `${index}#${day(createdAt)}#${shardOf(orderId, INDEX_SHARDS)}`;
const entry = (index: string, order: Pick<Order, 'createdAt' | 'orderId'>) => ({ pk: partition(index, order.createdAt, order.orderId), sk: position(order) });

/** The index entries an order has in a given state. */
function entriesOf(order: Pick<Order, 'createdAt' | 'orderId' | 'status' | 'items'>): { pk: string; sk: string }[] {
  return [entry('OPSORDERS', order), entry(`OPSSTATUS#${order.status}`, order), ...order.items.map((line) => entry(`OPSSKU#${line.sku}`, order))];
}

/**
 * Brings an order's index entries from `before` to `after` (one stream record). Puts
 * and deletes are idempotent, and the stream gives an item's changes in order, so a
 * redelivered record leaves the same entries.
 */
export async function reindexOrder(before: Order | undefined, after: Order): Promise<void> {
  const id = (e: { pk: string; sk: string }) => `${e.pk}|${e.sk}`;
  const wanted = entriesOf(after);
  const had = before ? entriesOf(before) : [];
  const stale = had.filter((old) => !wanted.some((e) => id(e) === id(old)));
  const fresh = wanted.filter((e) => !had.some((old) => id(old) === id(e)));
  const requests = [
    ...stale.map((key) => ({ DeleteRequest: { Key: key } })),
    ...fresh.map((key) => ({ PutRequest: { Item: { ...key, type: 'orderIndex', orderId: after.orderId } } })),
  ];
  for (let i = 0; i < requests.length; i += 25) {
    let pending: typeof requests | undefined = requests.slice(i, i + 25);
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt >= 8) throw new Error('BatchWriteItem left index writes unprocessed after retries');
      if (attempt) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      const out = await dynamo.send(new BatchWriteCommand({ RequestItems: { [TABLE]: pending } }));
      pending = out.UnprocessedItems?.[TABLE] as typeof requests | undefined;
    }
  }
}

export interface OrderSearch {
  status?: string;
  customerId?: string;
  sku?: string;
  /** ISO times on createdAt, both included. */
  from: string;
  to: string;
  limit: number;
  /** Where the previous page ended (`<createdAt>#<orderId>`): this page starts after it. */
  after?: string;
}

/** Entries of one index partition, newest first, below `below` and from `from` on. */
async function* partitionEntries(pk: string, from: string, below: string): AsyncGenerator<string> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await dynamo.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :p AND sk BETWEEN :from AND :below',
        ExpressionAttributeValues: { ':p': pk, ':from': from, ':below': below },
        ScanIndexForward: false,
        Limit: 100,
        ExclusiveStartKey: startKey,
        ProjectionExpression: 'sk',
      }),
    );
    for (const item of out.Items ?? []) if ((item.sk as string) < below) yield item.sk as string;
    startKey = out.LastEvaluatedKey;
  } while (startKey);
}

/** The newest-first merge of several partitions' entries. */
async function* merged(sources: AsyncGenerator<string>[]): AsyncGenerator<string> {
  const heads = await Promise.all(sources.map((source) => source.next()));
  for (;;) {
    let best = -1;
    heads.forEach((head, i) => {
      if (!head.done && (best < 0 || head.value > (heads[best]!.value as string))) best = i;
    });
    if (best < 0) return;
    yield heads[best]!.value as string;
    heads[best] = await sources[best]!.next();
  }
}

/** Positions (`<createdAt>#<orderId>`) in an index, newest first, day by day. */
async function* indexPositions(index: string, search: OrderSearch): AsyncGenerator<string> {
  const below = search.after ?? `${search.to}\uffff`;
  for (let t = Date.parse(`${day(below)}T00:00:00Z`); t >= Date.parse(`${day(search.from)}T00:00:00Z`); t -= DAY_MS) {
    const date = new Date(t).toISOString().slice(0, 10);
    yield* merged(Array.from({ length: INDEX_SHARDS }, (_, shard) => partitionEntries(`${index}#${date}#${shard}`, search.from, below)));
  }
}

/** A customer's orders, newest first, from the customer index (full orders). */
async function* customerOrders(search: OrderSearch): AsyncGenerator<StoredOrder> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await dynamo.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk BETWEEN :from AND :below',
        ExpressionAttributeValues: { ':p': customerPartition(search.customerId!), ':from': search.from, ':below': search.after ?? `${search.to}\uffff` },
        ScanIndexForward: false,
        Limit: 100,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of out.Items ?? []) if (!search.after || (item.gsi1sk as string) < search.after) yield toOrder(item);
    startKey = out.LastEvaluatedKey;
  } while (startKey);
}

async function getOrders(orderIds: string[]): Promise<StoredOrder[]> {
  const found = new Map((await batchGetAll(orderIds.map((id) => keys.order(id)))).map((item) => [item.orderId as string, toOrder(item)]));
  return orderIds.map((id) => found.get(id)).filter((order): order is StoredOrder => order !== undefined);
}

const matches = (order: StoredOrder, search: OrderSearch) =>
  (!search.status || order.status === search.status) &&
  (!search.customerId || order.customerId === search.customerId) &&
  (!search.sku || order.items.some((line) => line.sku === search.sku)) &&
  order.createdAt >= search.from &&
  order.createdAt <= search.to;

/**
 * One page: the most selective index the filters allow (customer, SKU, status, all),
 * the other filters checked on the orders themselves (an index entry may lag its order
 * by a moment; the order is the truth). `nextCursor` is where the page ended.
 */
export async function searchOrders(search: OrderSearch): Promise<{ items: StoredOrder[]; after: string | null }> {
  const items: StoredOrder[] = [];
  if (search.customerId) {
    for await (const order of customerOrders(search)) {
      if (matches(order, search)) items.push(order);
      if (items.length > search.limit) break;
    }
  } else {
    const index = search.sku ? `OPSSKU#${search.sku}` : search.status ? `OPSSTATUS#${search.status}` : 'OPSORDERS';
    let batch: string[] = [];
    const flush = async () => {
      const orders = await getOrders(batch.map((p) => p.slice(p.lastIndexOf('#') + 1)));
      items.push(...orders.filter((order) => matches(order, search)));
      batch = [];
    };
    for await (const p of indexPositions(index, search)) {
      batch.push(p);
      if (batch.length >= Math.min(100, search.limit + 1 - items.length)) await flush();
      if (items.length > search.limit) break;
    }
    if (batch.length && items.length <= search.limit) await flush();
  }
  const page = items.slice(0, search.limit);
  return { items: page, after: items.length > search.limit ? position(page.at(-1)!) : null };
}
