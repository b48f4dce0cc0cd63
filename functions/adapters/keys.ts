/** Single-table keys. One place, so every reader and writer agrees. */
export const keys = {
  product: (sku: string) => ({ pk: `PRODUCT#${sku}`, sk: 'PRODUCT' }),
  /**
   * One shard of a SKU's stock (core/stock-shards.ts): shard 0 is the product item
   * itself; the others have partition keys of their own, since a partition's write
   * limit holds for every item under one key.
   */
  stockShard: (sku: string, shard: number) => (shard === 0 ? { pk: `PRODUCT#${sku}`, sk: 'PRODUCT' } : { pk: `STOCK#${sku}#${shard}`, sk: 'STOCK' }),
  order: (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'ORDER' }),
  idempotency: (customerId: string, key: string) => ({ pk: `IDEMPOTENCY#${customerId}#${key}`, sk: 'IDEMPOTENCY' }),
  webhook: (source: string, eventId: string) => ({ pk: `WEBHOOK#${source}#${eventId}`, sk: 'WEBHOOK' }),
  shipment: (trackingNumber: string) => ({ pk: `SHIPMENT#${trackingNumber}`, sk: 'SHIPMENT' }),
  return: (returnId: string) => ({ pk: `RETURN#${returnId}`, sk: 'RETURN' }),
  /** An event to other systems, and the per-subject counter that gives its sequence. */
  event: (eventId: string) => ({ pk: `EVENT#${eventId}`, sk: 'EVENT' }),
  eventSequence: (subject: string) => ({ pk: `EVENTSEQ#${subject}`, sk: 'SEQ' }),
  webhookEndpoint: (endpointId: string) => ({ pk: `ENDPOINT#${endpointId}`, sk: 'ENDPOINT' }),
  delivery: (endpointId: string, eventId: string) => ({ pk: `DELIVERY#${endpointId}#${eventId}`, sk: 'DELIVERY' }),
  /** Where a long-running pass (the reconciler's) stopped, to go on from there next time. */
  checkpoint: (name: string) => ({ pk: `CHECKPOINT#${name}`, sk: 'CHECKPOINT' }),
  /** One shard of one day's report counters. */
  report: (date: string, shard: number) => ({ pk: `REPORT#${date}#${shard}`, sk: 'REPORT' }),
  /** The deployable sandbox's own records (staging only). */
  sandbox: (kind: string, id: string) => ({ pk: `SANDBOX#${kind}#${id}`, sk: 'SANDBOX' }),
};

/** GSI1: products by SKU, a customer's orders by creation time. */
export const GSI1 = 'gsi1';
export const productsPartition = 'PRODUCTS';
export const customerPartition = (customerId: string) => `CUSTOMER#${customerId}`;
/** GSI1 also lists an order's returns. */
export const orderReturnsPartition = (orderId: string) => `ORDER-RETURNS#${orderId}`;
/** GSI2 also lists returns by status (operators' queue, the warehouse's expected returns). */
export const returnsByStatusPartition = (status: string) => `RETURNS#${status}`;
/** GSI1 also lists the webhook endpoints, a subject's events (by sequence) and an endpoint's deliveries (newest first). */
export const webhookEndpointsPartition = 'ENDPOINTS';
export const subjectEventsPartition = (subject: string) => `EVENTS#${subject}`;
export const endpointDeliveriesPartition = (endpointId: string) => `DELIVERIES#${endpointId}`;
/** GSI2 also lists an endpoint's deliveries by status. */
export const deliveriesByStatusPartition = (endpointId: string, status: string) => `DELIVERIES#${endpointId}#${status}`;
/** GSI2 is sparse: only orders with an open pick task carry its keys. */
export const GSI2 = 'gsi2';
/**
 * Open pick tasks, oldest first, sharded by order so a busy warehouse day does not
 * write one hot partition; a page is the oldest-first merge of every shard.
 */
export const PICK_TASK_SHARDS = 8;
export const openPickTasksShard = (shard: number) => `PICKTASK#OPEN#${shard}`;
export const openPickTasksPartition = (orderId: string) => openPickTasksShard(shardOf(orderId, PICK_TASK_SHARDS));
/**
 * Orders handed over to the carrier (SHIPPED, DELIVERED), by their next deadline: no
 * execution waits for them (it ends at the hand-over); the due-orders sweeper reads
 * this index. Sharded by order like the open pick tasks.
 */
export const DUE_ORDER_SHARDS = 8;
export const dueOrdersShard = (shard: number) => `DUE#${shard}`;
export const dueOrdersPartition = (orderId: string) => dueOrdersShard(shardOf(orderId, DUE_ORDER_SHARDS));
/** Orders waiting for a restock (WAIT_FOR_RESTOCK), oldest first: their pick task left the open list. */
export const backorderedPartition = 'PICKTASK#BACKORDERED';

/**
 * GSI3 is sparse too: orders that are not final, sharded so that busy days do not
 * write one hot partition. The reconciler reads it to find stranded orders.
 */
export const GSI3 = 'gsi3';
/**
 * 32: every write of an open order (about 4 in its first minutes) rewrites its index
 * entry (2 KB, 2 WRU); at the mission's peak (1,200 orders/s) 8 shards would take about
 * 1,200 WRU/s each, over a partition's 1,000 (docs/capacity.md). Widening keeps every
 * order where it is: readers visit shards 0 to 31, which include the old 0 to 7.
 */
export const OPEN_ORDER_SHARDS = 32;
export function openOrderPartition(orderId: string): string {
  return `OPEN#${shardOf(orderId, OPEN_ORDER_SHARDS)}`;
}

/** A stable shard in [0, shards) for an id (spreads one day's or one index's writes). */
export function shardOf(id: string, shards: number): number {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % shards;
}

/** Storage attributes that are not part of any domain object. */
export const STORAGE_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'expiresAt', 'type'] as const;

export function tableName(): string {
  const name = process.env.TABLE_NAME;
  if (!name) throw new Error('Missing required environment variable TABLE_NAME');
  return name;
}

const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk']);

export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Every key attribute of this table is a short string; anything else (numbers
    // such as 1e999, nested objects) was not made by us.
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const entries = Object.entries(value);
      const ours = entries.length > 0 && entries.length <= 6 && entries.every(([name, v]) => KEY_ATTRIBUTES.has(name) && typeof v === 'string' && v.length > 0 && v.length <= 1024);
      if (ours) return value as Record<string, unknown>;
    }
  } catch {
    // fall through to the caller's validation error
  }
  return undefined;
}
