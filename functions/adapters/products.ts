/**
 * Products and their stock counters. Every stock change is a conditional write, so
 * no interleaving of requests can take `available`, `reserved` or `sold` below zero.
 */
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from './batch-get.js';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { dynamo } from './aws-clients.js';
import { GSI1, keys, productsPartition, tableName } from './keys.js';
import { hasStockItems, STOCK_COUNTERS, sumCounters, type Product } from '../core/product.js';
import { MAX_STOCK_SHARDS, spreadOverShards, type ShardCount, type Take } from '../core/stock-shards.js';
import { backoff } from '../shared/backoff.js';
import { cancellationReasons } from './orders.js';

export type { Product };


const TABLE = tableName();

export function toProduct(item: Record<string, unknown>, stockItems: readonly Record<string, unknown>[] = [item]): Product {
  return {
    sku: item.sku as string,
    name: item.name as string,
    priceMinor: item.priceMinor as number,
    currency: item.currency as string,
    ...sumCounters(stockItems),
    lowStockThreshold: (item.lowStockThreshold as number) ?? 0,
    stockShards: (item.stockShards as number) ?? 1,
  };
}

/**
 * A product's item and every stock item it has ever had (`stockShardsMax` of them),
 * read consistently; the stock items only if `wanted` says so of the product item.
 */
async function readProductItems(sku: string, wanted: (base: Record<string, unknown>) => boolean = () => true): Promise<{ base: Record<string, unknown>; stockItems: Record<string, unknown>[] } | null> {
  const { Item: base } = await dynamo.send(new GetCommand({ TableName: TABLE, Key: keys.product(sku), ConsistentRead: true }));
  if (!base) return null;
  if (!wanted(base)) return { base, stockItems: [base] };
  const others = Array.from({ length: ((base.stockShardsMax as number) ?? 1) - 1 }, (_, i) => keys.stockShard(sku, i + 1));
  return { base, stockItems: [base, ...(others.length ? await batchGetAll(others, { consistent: true }) : [])] };
}

/** Which shard a stock item is (the product item is shard 0). */
const shardOfItem = (item: Record<string, unknown>) => (typeof item.shard === 'number' ? item.shard : 0);

export async function getProduct(sku: string): Promise<Product | null> {
  const read = await readProductItems(sku);
  return read ? toProduct(read.base, read.stockItems) : null;
}

/** A product (totals) and each shard's `available`, read consistently: what a reservation plans from. */
export async function getStock(sku: string): Promise<{ product: Product; shards: ShardCount[] } | null> {
  const read = await readProductItems(sku);
  if (!read) return null;
  const product = toProduct(read.base, read.stockItems);
  const shards = read.stockItems
    .map((item) => ({ shard: shardOfItem(item), available: (item.available as number) ?? 0 }))
    .filter((count) => count.shard < product.stockShards);
  return { product, shards };
}

/**
 * Many products at once, keyed by SKU, for pricing an order: name, price, currency and
 * `stockShards`; stock counters are the product item's own (shard 0's for a sharded
 * product: read `getProduct` for totals). Eventually consistent unless asked (half a
 * read unit); the placement keeps what it read for a second and its reservation checks
 * the price on the product item itself (services/place-order.ts). Stock is never
 * decided from this read.
 */
export async function getProducts(skus: readonly string[], options: { consistent?: boolean } = {}): Promise<Map<string, Product>> {
  const items = await batchGetAll(skus.map(keys.product), { consistent: options.consistent ?? false });
  return new Map(items.map((item) => [item.sku as string, toProduct(item)]));
}

export async function listProducts(limit: number, startKey?: Record<string, unknown>) {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': productsPartition },
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  // The index holds product items; a sharded product's totals need its stock items too.
  const items = await Promise.all(
    (out.Items ?? []).map(async (item) => (hasStockItems(item) ? ((await getProduct(item.sku as string)) ?? toProduct(item)) : toProduct(item))),
  );
  return { items, lastKey: out.LastEvaluatedKey };
}

const zeroCounters = Object.fromEntries(STOCK_COUNTERS.map((name) => [name, `${name} = if_not_exists(${name}, :zero)`]));

/**
 * Creates the product with no stock, or changes its name, price, low-stock threshold
 * and sharding (kept when not given). Its stock items are made in the same
 * transaction, so no reservation or restock ever meets a shard that is not there.
 * Shards left out by a smaller `stockShards` give their `available` back to shard 0.
 */
export async function putProduct(sku: string, input: { name: string; priceMinor: number; currency: string; lowStockThreshold?: number; stockShards?: number }): Promise<Product> {
  const now = new Date().toISOString();
  const shards = input.stockShards;
  // stockShardsMax: the most stock items the product has ever had; every one is read for its totals, so it never goes down.
  const { Item: current } = shards && shards > 1 ? await dynamo.send(new GetCommand({ TableName: TABLE, Key: keys.product(sku), ConsistentRead: true })) : { Item: undefined };
  const max = Math.max((current?.stockShardsMax as number | undefined) ?? 1, shards ?? 1);
  const base = {
    TableName: TABLE,
    Key: keys.product(sku),
    UpdateExpression:
      'SET sku = :sku, #name = :name, priceMinor = :price, currency = :currency, gsi1pk = :gp, gsi1sk = :sku, #type = :type, ' +
      `${Object.values(zeroCounters).join(', ')}, updatedAt = :now, ` +
      (input.lowStockThreshold === undefined ? 'lowStockThreshold = if_not_exists(lowStockThreshold, :zero)' : 'lowStockThreshold = :threshold') +
      (shards === undefined
        ? ', stockShards = if_not_exists(stockShards, :one), stockShardsMax = if_not_exists(stockShardsMax, :one)'
        : `, stockShards = :shards, stockShardsMax = ${shards > 1 ? ':max' : 'if_not_exists(stockShardsMax, :shards)'}`),
    // A concurrent PUT that raised it further is not undone.
    ...(shards && shards > 1 ? { ConditionExpression: 'attribute_not_exists(stockShardsMax) OR stockShardsMax <= :max' } : {}),
    ExpressionAttributeNames: { '#name': 'name', '#type': 'type' },
    ExpressionAttributeValues: {
      ':sku': sku,
      ':name': input.name,
      ':price': input.priceMinor,
      ':currency': input.currency,
      ':gp': productsPartition,
      ':type': 'product',
      ':zero': 0,
      ':now': now,
      ...(input.lowStockThreshold === undefined ? {} : { ':threshold': input.lowStockThreshold }),
      ...(shards === undefined ? { ':one': 1 } : { ':shards': shards }),
      ...(shards && shards > 1 ? { ':max': max } : {}),
    },
  };
  if (!shards || shards === 1) {
    await dynamo.send(new UpdateCommand(base));
  } else {
    await dynamo.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: base },
          ...Array.from({ length: shards - 1 }, (_, i) => ({
            Update: {
              TableName: TABLE,
              Key: keys.stockShard(sku, i + 1),
              UpdateExpression: `SET sku = :sku, #shard = :shard, #type = :type, ${Object.values(zeroCounters).join(', ')}, updatedAt = :now`,
              ExpressionAttributeNames: { '#type': 'type', '#shard': 'shard' },
              ExpressionAttributeValues: { ':sku': sku, ':shard': i + 1, ':type': 'stock', ':zero': 0, ':now': now },
            },
          })),
        ],
      }),
    );
  }
  await drainRetiredShards(sku);
  return (await getProduct(sku))!;
}

/**
 * Moves `available` of shards at or beyond `stockShards` to shard 0 (each move
 * conditional on the count it read, so a concurrent release is never lost). Their
 * reserved and sold units stay: the orders they belong to settle them there.
 */
async function drainRetiredShards(sku: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const stock = await readProductItems(sku);
    if (!stock) return;
    const count = (stock.base.stockShards as number) ?? 1;
    const retired = stock.stockItems.filter((item) => shardOfItem(item) >= count && ((item.available as number) ?? 0) > 0);
    if (!retired.length) return;
    try {
      await Promise.all(
        retired.map((item) =>
          dynamo.send(
            new TransactWriteCommand({
              TransactItems: [
                { Update: { TableName: TABLE, Key: { pk: item.pk, sk: item.sk }, UpdateExpression: 'SET available = :zero', ConditionExpression: 'available = :a', ExpressionAttributeValues: { ':a': item.available, ':zero': 0 } } },
                { Update: { TableName: TABLE, Key: keys.product(sku), UpdateExpression: 'ADD available :a', ExpressionAttributeValues: { ':a': item.available } } },
              ],
            }),
          ),
        ),
      );
    } catch (error) {
      if (!cancellationReasons(error)) throw error;
      await backoff(attempt);
    }
  }
}

/**
 * Adds to `available`, spread over the product's shards (one transaction, the product
 * item's existence its condition); null when there is no such product.
 */
export async function restock(sku: string, quantity: number): Promise<Product | null> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: TABLE, Key: keys.product(sku), ConsistentRead: true }));
  if (!Item) return null;
  const now = new Date().toISOString();
  const spread = spreadOverShards(quantity, (Item.stockShards as number) ?? 1, Math.floor(Math.random() * MAX_STOCK_SHARDS));
  const update = (take: Take) => ({
    TableName: TABLE,
    Key: keys.stockShard(sku, take.shard),
    UpdateExpression: 'ADD available :q SET updatedAt = :now',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':q': take.quantity, ':now': now },
  });
  try {
    if (spread.length === 1) await dynamo.send(new UpdateCommand(update(spread[0]!)));
    else await dynamo.send(new TransactWriteCommand({ TransactItems: spread.map((take) => ({ Update: update(take) })) }));
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || cancellationReasons(error)?.some((r) => r.Code === 'ConditionalCheckFailed')) return null;
    throw error;
  }
  return getProduct(sku);
}

/**
 * A sharded product's low-stock flag, judged on its totals read now: set (with the
 * totals, once, and only on a fall) when `available` is at or below a set threshold,
 * cleared when above. The flag's flip is what publishes `stock.low` (services/events.ts).
 */
export async function markLowStock(sku: string, fell: boolean): Promise<void> {
  // No threshold and no flag to clear: nothing to judge, and the shards are not read (a flash sale changes them thousands of times a second).
  const judged = (base: Record<string, unknown>) => ((base.lowStockThreshold as number) ?? 0) > 0 || base.lowSignalled === true;
  const read = await readProductItems(sku, judged);
  if (!read || !judged(read.base)) return;
  const product = toProduct(read.base, read.stockItems);
  const low = product.lowStockThreshold > 0 && product.available <= product.lowStockThreshold;
  if (low && !fell) return;
  const { available, reserved, sold, writtenOff, backordered } = product;
  try {
    await dynamo.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.product(sku),
        ...(low
          ? {
              UpdateExpression: 'SET lowSignalled = :yes, lowSignalledAt = :now, lowTotals = :totals',
              ConditionExpression: 'attribute_not_exists(lowSignalled) OR lowSignalled = :no',
              ExpressionAttributeValues: { ':yes': true, ':no': false, ':now': new Date().toISOString(), ':totals': { available, reserved, sold, writtenOff, backordered } },
            }
          : { UpdateExpression: 'SET lowSignalled = :no', ConditionExpression: 'lowSignalled = :yes', ExpressionAttributeValues: { ':yes': true, ':no': false } }),
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
