/**
 * Products and their stock counters. Every stock change is a conditional write, so
 * no interleaving of requests can take `available`, `reserved` or `sold` below zero.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from './batch-get.js';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { dynamo } from './aws-clients.js';
import { GSI1, keys, productsPartition, tableName } from './keys.js';
import type { Product } from '../core/product.js';

export type { Product };


const TABLE = tableName();

function toProduct(item: Record<string, unknown>): Product {
  return {
    sku: item.sku as string,
    name: item.name as string,
    priceMinor: item.priceMinor as number,
    currency: item.currency as string,
    available: (item.available as number) ?? 0,
    reserved: (item.reserved as number) ?? 0,
    sold: (item.sold as number) ?? 0,
    writtenOff: (item.writtenOff as number) ?? 0,
    backordered: (item.backordered as number) ?? 0,
    lowStockThreshold: (item.lowStockThreshold as number) ?? 0,
  };
}

export async function getProduct(sku: string): Promise<Product | null> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: TABLE, Key: keys.product(sku), ConsistentRead: true }));
  return Item ? toProduct(Item) : null;
}

/** Reads many products at once (consistent), keyed by SKU; missing SKUs are absent. */
export async function getProducts(skus: readonly string[]): Promise<Map<string, Product>> {
  const items = await batchGetAll(skus.map(keys.product), { consistent: true });
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
  return { items: (out.Items ?? []).map(toProduct), lastKey: out.LastEvaluatedKey };
}

/** Creates the product with no stock, or changes its name, price and low-stock threshold (kept when not given). */
export async function putProduct(sku: string, input: { name: string; priceMinor: number; currency: string; lowStockThreshold?: number }): Promise<Product> {
  const { Attributes } = await dynamo.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: keys.product(sku),
      UpdateExpression:
        'SET sku = :sku, #name = :name, priceMinor = :price, currency = :currency, gsi1pk = :gp, gsi1sk = :sku, #type = :type, ' +
        'available = if_not_exists(available, :zero), reserved = if_not_exists(reserved, :zero), sold = if_not_exists(sold, :zero), updatedAt = :now, ' +
        (input.lowStockThreshold === undefined ? 'lowStockThreshold = if_not_exists(lowStockThreshold, :zero)' : 'lowStockThreshold = :threshold'),
      ExpressionAttributeNames: { '#name': 'name', '#type': 'type' },
      ExpressionAttributeValues: {
        ':sku': sku,
        ':name': input.name,
        ':price': input.priceMinor,
        ':currency': input.currency,
        ':gp': productsPartition,
        ':type': 'product',
        ':zero': 0,
        ':now': new Date().toISOString(),
        ...(input.lowStockThreshold === undefined ? {} : { ':threshold': input.lowStockThreshold }),
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return toProduct(Attributes!);
}

/** Adds to `available`; null when there is no such product. */
export async function restock(sku: string, quantity: number): Promise<Product | null> {
  try {
    const { Attributes } = await dynamo.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.product(sku),
        UpdateExpression: 'ADD available :q SET updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':q': quantity, ':now': new Date().toISOString() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toProduct(Attributes!);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return null;
    throw error;
  }
}
