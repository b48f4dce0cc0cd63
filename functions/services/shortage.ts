/**
 * The warehouse reports goods missing at picking. The report is itself the decision:
 * - CANCEL_ORDER (the default): one write cancels the order with OUT_OF_STOCK, writes
 *   the missing units off, returns the found ones to available and records the
 *   refund owed (the compensation stage pays it).
 * - SHIP_AVAILABLE: one write packs the order with what was found, writes the missing
 *   units off and records their SHORTAGE refund; the refund is paid here and the
 *   order goes on to shipping. With nothing found, CANCEL_ORDER applies.
 * - WAIT_FOR_RESTOCK: one write writes the missing units off, owes them to the order
 *   (products' `backordered`) and takes its task off the open list; restocks serve it
 *   (services/restock.ts), and its pick task reopens when nothing is owed any more.
 *   The picking deadline still applies (then it is cancelled).
 * A pick completion racing either finds the order no longer PICKING, and the other way
 * round, so exactly one of them takes effect.
 */
import { DomainError } from '../core/errors.js';
import { backorderDecision, shipAvailableDecision, shortageFulfilment } from '../core/decisions.js';
import { getOrder, transition, updateWithStock, type StoredOrder } from '../adapters/orders.js';
import { backorderedPartition } from '../adapters/keys.js';
import { paymentProvidersFromEnv } from '../adapters/payments/registry.js';
import { settleRefunds } from './refunds.js';
import { backoff } from '../shared/backoff.js';
import { logger } from '../shared/powertools.js';
import { decideCancellation } from './cancel.js';

export type ShortageResolution = 'CANCEL_ORDER' | 'SHIP_AVAILABLE' | 'WAIT_FOR_RESTOCK';

/** `SHORTAGE_RESOLUTION`, the resolution of a report that names none. */
export function defaultResolution(): ShortageResolution {
  const setting = process.env.SHORTAGE_RESOLUTION ?? 'CANCEL_ORDER';
  if (!['CANCEL_ORDER', 'SHIP_AVAILABLE', 'WAIT_FOR_RESTOCK'].includes(setting)) throw new Error(`SHORTAGE_RESOLUTION "${setting}" is not CANCEL_ORDER, SHIP_AVAILABLE or WAIT_FOR_RESTOCK`);
  return setting as ShortageResolution;
}

export async function reportShortage(order: StoredOrder, items: { sku: string; missing: number }[], resolution: ShortageResolution = defaultResolution()): Promise<StoredOrder> {
  const lines = new Map(order.items.map((line) => [line.sku, line.quantity]));
  const invalid = items.filter((item) => !lines.has(item.sku) || item.missing > lines.get(item.sku)!);
  if (invalid.length) {
    throw new DomainError(
      'VALIDATION_ERROR',
      'Each shortage must name a line of the order and at most its quantity',
      invalid.map((item) => ({ path: `body.items.${item.sku}`, message: lines.has(item.sku) ? 'more missing than ordered' : 'not a line of this order' })),
    );
  }
  if (resolution === 'SHIP_AVAILABLE') {
    const shipped = await shipAvailable(order.orderId, items);
    if (shipped) return shipped;
  }
  if (resolution === 'WAIT_FOR_RESTOCK') return waitForRestock(order.orderId, items);
  const missing = Object.fromEntries(items.map((item) => [item.sku, item.missing]));
  const { order: current, outcome } = await decideCancellation(order.orderId, {
    reason: 'OUT_OF_STOCK',
    from: ['PICKING'],
    missing,
    fulfilment: shortageFulfilment(items),
  });
  // Repeating a report that succeeded is harmless; anything else means the order was not PICKING.
  const repeated = outcome === 'already-cancelled' && current.fulfilment?.resolution === 'CANCEL_ORDER';
  if (outcome !== 'cancelled' && !repeated) throw new DomainError('INVALID_STATE', `The order is ${current.status}, not PICKING`);
  return current;
}

const MAX_ATTEMPTS = 25;

/** SHIP_AVAILABLE, decided with one version-guarded write; null when nothing was found (cancel instead). */
async function shipAvailable(orderId: string, items: { sku: string; missing: number }[]): Promise<StoredOrder | null> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await backoff(attempt);
    const order = await getOrder(orderId);
    if (!order) throw new DomainError('NOT_FOUND', 'There is no such pick task');
    if (order.status !== 'PICKING') {
      // Repeating a report that succeeded is harmless: it carries out what the record owes.
      if (order.fulfilment?.resolution !== 'SHIP_AVAILABLE') throw new DomainError('INVALID_STATE', `The order is ${order.status}, not PICKING`);
      return settleRefunds(order, paymentProvidersFromEnv());
    }
    const decision = shipAvailableDecision(order, items, new Date().toISOString());
    if (!decision) return null;
    const packed = await transition(orderId, {
      to: 'PACKED',
      from: ['PICKING'],
      expectVersion: order.version,
      set: { items: decision.items, fulfilment: decision.fulfilment, packages: [], ...(decision.payment ? { payment: decision.payment } : {}) },
      stock: decision.stock,
      remove: ['gsi2pk', 'gsi2sk', 'pickTaskCreatedAt'],
    });
    if (!packed) continue; // someone else wrote first: decide again from a fresh read
    logger.info('shortage: shipping what was found', { orderId, missing: items.reduce((sum, item) => sum + item.missing, 0) });
    return settleRefunds(packed, paymentProvidersFromEnv());
  }
  throw new Error(`the shortage report of ${orderId} kept losing races; retry it`);
}

/** WAIT_FOR_RESTOCK, decided with one versioned write together with its stock moves. */
async function waitForRestock(orderId: string, items: { sku: string; missing: number }[]): Promise<StoredOrder> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await backoff(attempt);
    const order = await getOrder(orderId);
    if (!order) throw new DomainError('NOT_FOUND', 'There is no such pick task');
    // Repeating a report that succeeded is harmless while the order waits.
    if (order.status === 'PICKING' && Object.values(order.backorder ?? {}).some((units) => units > 0)) return order;
    if (order.status !== 'PICKING') throw new DomainError('INVALID_STATE', `The order is ${order.status}, not PICKING`);
    const now = new Date().toISOString();
    const decision = backorderDecision(order, items, now);
    const set = { fulfilment: decision.fulfilment, backorder: decision.backorder, gsi2pk: backorderedPartition, gsi2sk: `${now}#${orderId}` };
    if (await updateWithStock(orderId, order.version, set, ['pickTaskCreatedAt'], decision.stock)) {
      logger.info('shortage: order waits for a restock', { orderId, missing: items.reduce((sum, item) => sum + item.missing, 0) });
      return (await getOrder(orderId))!;
    }
  }
  throw new Error(`the shortage report of ${orderId} kept losing races; retry it`);
}
