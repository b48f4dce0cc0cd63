/**
 * Placing an order: price from the catalog, reserve every line in one transaction
 * (or none; a sharded SKU on the shards its plan picks), remember the idempotency key
 * with it. The order's write is the whole decision: its workflow is started from the
 * change stream (streams/drive-workflows.ts), not from this request.
 */
import { newUlid } from '../shared/ids.js';
import { DomainError } from '../core/errors.js';
import { lineTotal, orderTotal, type Order } from '../core/order.js';
import type { CreateOrderBody } from '../core/schemas.js';
import { deadlines } from '../core/config.js';
import { requestHash } from '../core/request-hash.js';
import { cancellationReasons, createOrder, getIdempotencyRecord, getOrder, reservationItems, type StoredOrder } from '../adapters/orders.js';
import { getProducts, getStock, toProduct, type Product } from '../adapters/products.js';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { Recent } from '../shared/recent.js';
import { blindPlan, plannedFromCounts, ShardKnowledge, type ReservationPlan } from '../core/stock-shards.js';

const DEADLINES = deadlines();
/** API.md: keys are remembered for at least 24 hours. */
const IDEMPOTENCY_TTL_SECONDS = 48 * 3600;
const MAX_CONFLICT_RETRIES = 12;

export interface Placed {
  order: StoredOrder;
  replayed: boolean;
}

async function replay(customerId: string, key: string, hash: string): Promise<Placed | null> {
  const record = await getIdempotencyRecord(customerId, key);
  if (!record) return null;
  if (record.requestHash !== hash) {
    throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different body');
  }
  const order = await getOrder(record.orderId);
  if (!order) throw new DomainError('IDEMPOTENCY_IN_PROGRESS', 'The order for this key is not readable yet; retry shortly');
  return { order, replayed: true };
}

/**
 * The key is checked by the write itself (its record is put only if new), not read
 * first: one call fewer on every placement. A request refused for what it asks (the
 * catalog or the stock as they are now) may be a retry of one placed before: that
 * answers with the earlier order, as a replay must.
 */
export async function placeOrder(customerId: string, key: string, body: CreateOrderBody): Promise<Placed> {
  const hash = requestHash(body);
  try {
    return await placeNew(customerId, key, hash, body);
  } catch (error) {
    if (error instanceof DomainError) {
      const earlier = await replay(customerId, key, hash);
      if (earlier) return earlier;
    }
    throw error;
  }
}

/**
 * Products as this container read them lately (at most CATALOG_TTL_MS ago): an order is
 * priced without a read of its own, and the reservation's write checks the price and
 * currency on the product item (shard 0) itself. A line taken only from other shards
 * of a sharded product is priced from a read at most that old, as the eventually
 * consistent read each order made before was.
 */
const CATALOG_TTL_MS = 1000;
const recentProducts = new Recent<string, Product>(CATALOG_TTL_MS);
/** Times an order is priced again after its reservation found the catalog changed. */
const MAX_REPRICES = 3;

/** Thrown by a reservation that found a product item's price or currency not the one the order was priced at. */
class CatalogChanged extends Error {
  constructor(readonly products: Product[]) {
    super('the catalog changed while the order was priced');
  }
}

/** The products, from those read lately, else read now; `consistent`: all read now, consistently. */
async function catalogFor(skus: readonly string[], options: { consistent?: boolean } = {}): Promise<Map<string, Product>> {
  const known = new Map<string, Product>();
  for (const sku of options.consistent ? [] : skus) {
    const product = recentProducts.get(sku);
    if (product) known.set(sku, product);
  }
  const missing = [...new Set(skus.filter((sku) => !known.has(sku)))];
  if (missing.length) {
    for (const product of (await getProducts(missing, options)).values()) {
      recentProducts.set(product.sku, product);
      known.set(product.sku, product);
    }
  }
  return known;
}

/** Refusals for what the catalog says: answered only from a consistent read of it. */
const CATALOG_REFUSALS = new Set(['UNKNOWN_SKU', 'CURRENCY_MISMATCH', 'PRICE_CHANGED']);

async function placeNew(customerId: string, key: string, hash: string, body: CreateOrderBody): Promise<Placed> {
  const skus = body.items.map((line) => line.sku);
  let products = await catalogFor(skus);
  let confirmed = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return await priceAndPlace(customerId, key, hash, body, products);
    } catch (error) {
      if (error instanceof CatalogChanged && attempt < MAX_REPRICES) {
        // The failed write read the product items as they are: price the order from those.
        for (const product of error.products) {
          recentProducts.set(product.sku, product);
          products.set(product.sku, product);
        }
        continue;
      }
      // A product made, or repriced, a moment ago may not be in what was read lately.
      if (error instanceof DomainError && CATALOG_REFUSALS.has(error.code) && !confirmed) {
        products = await catalogFor(skus, { consistent: true });
        confirmed = true;
        continue;
      }
      throw error;
    }
  }
}

async function priceAndPlace(customerId: string, key: string, hash: string, body: CreateOrderBody, products: Map<string, Product>): Promise<Placed> {
  const unknown = body.items.filter((line) => !products.has(line.sku));
  if (unknown.length) {
    throw new DomainError('UNKNOWN_SKU', `${unknown.length} SKU(s) are not in the catalog`, unknown.map(({ sku }) => ({ sku })));
  }
  const wrongCurrency = body.items.filter((line) => products.get(line.sku)!.currency !== body.currency);
  if (wrongCurrency.length) {
    throw new DomainError(
      'CURRENCY_MISMATCH',
      `The order is in ${body.currency}; ${wrongCurrency.length} line(s) are priced in another currency`,
      wrongCurrency.map(({ sku }) => ({ sku, expected: products.get(sku)!.currency, actual: body.currency })),
    );
  }
  const repriced = body.items.filter((line) => products.get(line.sku)!.priceMinor !== line.unitPriceMinor);
  if (repriced.length) {
    throw new DomainError(
      'PRICE_CHANGED',
      `${repriced.length} line(s) have a new price`,
      repriced.map(({ sku, unitPriceMinor }) => ({ sku, expected: products.get(sku)!.priceMinor, actual: unitPriceMinor })),
    );
  }

  const now = new Date();
  const createdAt = now.toISOString();
  const items = body.items.map((line) => ({
    sku: line.sku,
    name: products.get(line.sku)!.name,
    quantity: line.quantity,
    unitPriceMinor: line.unitPriceMinor,
    lineTotalMinor: lineTotal(line.quantity, line.unitPriceMinor),
  }));
  const order: Order = {
    orderId: `ord_${newUlid()}`,
    customerId,
    status: 'PENDING_PAYMENT',
    items,
    currency: body.currency,
    totalMinor: orderTotal(items),
    shippingAddress: body.shippingAddress,
    paymentMethod: body.paymentMethod,
    payment: null,
    shipment: null,
    cancellation: null,
    fulfilment: null,
    paymentDeadline: new Date(now.getTime() + DEADLINES.paymentSeconds * 1000).toISOString(),
    history: [{ status: 'PENDING_PAYMENT', at: createdAt }],
    createdAt,
    updatedAt: createdAt,
  };

  const winner = await reserveAndCreate(order, (sku) => products.get(sku)!.stockShards, { key, requestHash: hash, ttlSeconds: IDEMPOTENCY_TTL_SECONDS });
  if (winner) return winner;
  return { order: { ...order, version: 1 }, replayed: false };
}

/** What this process has lately learnt of stock shards (saves blind writes to empty ones). */
const knowledge = new ShardKnowledge();

type Short = { sku: string; requested: number; available: number };

/**
 * Reserves every line and writes the order in one transaction, planning each line's
 * shards (core/stock-shards.ts); retries on write conflicts and on shards found short.
 * Returns null when written, or the earlier order when another request with the key won.
 * OUT_OF_STOCK only on a definite count: an unsharded product's failed condition, or
 * a consistent read of every shard.
 */
async function reserveAndCreate(order: Order, shardsOf: (sku: string) => number, idempotency: { key: string; requestHash: string; ttlSeconds: number }): Promise<Placed | null> {
  const readFirst = new Set<number>();
  for (let attempt = 0; ; attempt++) {
    const shorts: Short[] = [];
    const plans = await Promise.all(
      order.items.map(async (line, i): Promise<ReservationPlan> => {
        const shards = shardsOf(line.sku);
        const whole = { home: 0, takes: [{ shard: 0, quantity: line.quantity }] };
        if (shards <= 1) return whole;
        const blind = readFirst.has(i) ? null : blindPlan(line.sku, line.quantity, shards, knowledge, Math.random);
        if (blind) return blind;
        const stock = await getStock(line.sku);
        for (const count of stock?.shards ?? []) knowledge.learn(line.sku, count.shard, count.available);
        const planned = stock && plannedFromCounts(line.quantity, stock.shards, Math.random);
        if (!planned) shorts.push({ sku: line.sku, requested: line.quantity, available: stock?.product.available ?? 0 });
        return planned ?? whole;
      }),
    );
    if (shorts.length) throw outOfStock(order, shorts);
    try {
      await createOrder(order, plans, idempotency);
      return null;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const items = reservationItems(plans);
      // Another request with this key won the race: answer with its order.
      if (reasons[items.length + 1]?.Code === 'ConditionalCheckFailed') {
        const winner = await replay(order.customerId, idempotency.key, idempotency.requestHash);
        if (winner) return winner;
      }
      const failed = items.flatMap((item, k) => (reasons[k]?.Code === 'ConditionalCheckFailed' ? [{ ...item, current: reasons[k]?.Item ? unmarshall(reasons[k].Item) : {} }] : []));
      // A product item (shard 0) no longer at the order's price or currency: price it again.
      const changed = failed.filter(({ line, shard, current }) => shard === 0 && current.sku !== undefined && (current.priceMinor !== order.items[line]!.unitPriceMinor || current.currency !== order.currency));
      if (changed.length) throw new CatalogChanged(changed.map(({ current }) => toProduct(current)));
      for (const { line, shard, current } of failed) {
        const sku = order.items[line]!.sku;
        const available = typeof current.available === 'number' ? current.available : 0;
        knowledge.learn(sku, shard, available);
        if (shardsOf(sku) > 1) readFirst.add(line);
        else shorts.push({ sku, requested: order.items[line]!.quantity, available });
      }
      if (shorts.length) throw outOfStock(order, shorts);
      // A shard was short (plan again from a read) or a concurrent transaction on the same items: try again.
      if (attempt >= MAX_CONFLICT_RETRIES) throw error;
      if (!failed.length) await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * Math.min(2 ** attempt, 16)));
    }
  }
}

function outOfStock(order: Order, shorts: Short[]) {
  return new DomainError('OUT_OF_STOCK', `${shorts.length} of ${order.items.length} line(s) cannot be reserved`, shorts);
}
