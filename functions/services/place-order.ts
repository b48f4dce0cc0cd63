/**
 * Placing an order: price from the catalog, reserve every line in one transaction
 * (or none), remember the idempotency key with it, then start the workflow.
 */
import { ulid } from 'ulid';
import { DomainError } from '../core/errors.js';
import { lineTotal, orderTotal, type Order } from '../core/order.js';
import type { CreateOrderBody } from '../core/schemas.js';
import { deadlines } from '../core/config.js';
import { requestHash } from '../core/request-hash.js';
import { cancellationReasons, createOrder, getIdempotencyRecord, getOrder, type StoredOrder } from '../adapters/orders.js';
import { getProducts } from '../adapters/products.js';
import { startOrderWorkflow } from '../adapters/workflow.js';

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
  // The first attempt may have crashed between writing the order and starting its
  // workflow: starting it again is a no-op when it runs, and a repair when it did not.
  if (order.status === 'PENDING_PAYMENT') await startOrderWorkflow({ orderId: order.orderId, deadlines: DEADLINES });
  return { order, replayed: true };
}

export async function placeOrder(customerId: string, key: string, body: CreateOrderBody): Promise<Placed> {
  const hash = requestHash(body);
  const earlier = await replay(customerId, key, hash);
  if (earlier) return earlier;

  const products = await getProducts(body.items.map((line) => line.sku));
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
    orderId: `ord_${ulid()}`,
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

  for (let attempt = 0; ; attempt++) {
    try {
      await createOrder(order, { key, requestHash: hash, ttlSeconds: IDEMPOTENCY_TTL_SECONDS });
      break;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const lines = order.items.length;
      // Another request with this key won the race: answer with its order.
      if (reasons[lines + 1]?.Code === 'ConditionalCheckFailed') {
        const winner = await replay(customerId, key, hash);
        if (winner) return winner;
      }
      const short = order.items.flatMap((line, i) =>
        reasons[i]?.Code === 'ConditionalCheckFailed'
          ? [{ sku: line.sku, requested: line.quantity, available: Number(reasons[i]?.Item?.available?.N ?? 0) }]
          : [],
      );
      if (short.length) {
        throw new DomainError('OUT_OF_STOCK', `${short.length} of ${lines} line(s) cannot be reserved`, short);
      }
      // Only conflicts with concurrent transactions on the same items: try again.
      if (attempt >= MAX_CONFLICT_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * Math.min(2 ** attempt, 16)));
    }
  }

  await startOrderWorkflow({ orderId: order.orderId, deadlines: DEADLINES });
  return { order: { ...order, version: 1 }, replayed: false };
}
