/**
 * A restock serves backordered orders first (WAIT_FOR_RESTOCK), oldest first: each
 * allocation is one transaction of the order (versioned: its owed units go down; when
 * nothing is owed its pick task reopens) and the product (`sold` up, `backordered`
 * down); what is left becomes `available`. A new order can only reserve `available`,
 * so it never takes units a waiting order is owed.
 */
import { getOrder, allocationUpdate, listBackorderedOrders, updateWithStock, type StoredOrder } from '../adapters/orders.js';
import { openPickTasksPartition } from '../adapters/keys.js';
import { getProduct, restock, type Product } from '../adapters/products.js';
import { backoff } from '../shared/backoff.js';
import { logger } from '../shared/powertools.js';

const MAX_ATTEMPTS = 10;

export async function restockServingBackorders(sku: string, quantity: number): Promise<Product | null> {
  if (!(await getProduct(sku))) return null;
  let left = quantity;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await listBackorderedOrders(100, startKey);
    for (const waiting of page.items) {
      if (left <= 0) break;
      left -= await allocate(waiting.orderId, sku, left);
    }
    startKey = page.lastKey;
  } while (startKey && left > 0);
  return left > 0 ? restock(sku, left) : getProduct(sku);
}

/** Serves one order up to `offered` units of the SKU; returns how many it took. */
async function allocate(orderId: string, sku: string, offered: number): Promise<number> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await backoff(attempt);
    const order: StoredOrder | null = await getOrder(orderId);
    const need = order?.status === 'PICKING' ? (order.backorder?.[sku] ?? 0) : 0;
    if (!order || need <= 0) return 0;
    const units = Math.min(need, offered);
    const backorder = { ...order.backorder, [sku]: need - units };
    const now = new Date().toISOString();
    const served = Object.values(backorder).every((owed) => owed <= 0);
    const set = { backorder, ...(served ? { gsi2pk: openPickTasksPartition(orderId), gsi2sk: `${now}#${orderId}`, pickTaskCreatedAt: now } : {}) };
    if (await updateWithStock(orderId, order.version, set, [], [allocationUpdate(sku, units, order.stockShards?.[sku] ?? 0)])) {
      logger.info('restock served a backordered order', { orderId, sku, units, pickTaskReopened: served });
      return units;
    }
  }
  return 0;
}
