/**
 * The warehouse reports goods missing at picking. The report is itself the decision
 * (resolution CANCEL_ORDER, the default): one write cancels the order with
 * OUT_OF_STOCK, writes the missing units off, returns the found ones to available
 * and records the refund owed. A pick completion racing it finds the order no
 * longer PICKING, and the other way round, so exactly one of them takes effect.
 */
import { DomainError } from '../core/errors.js';
import { shortageFulfilment } from '../core/decisions.js';
import type { StoredOrder } from '../adapters/orders.js';
import { decideCancellation } from './cancel.js';
import { signalOpenTask } from './lifecycle.js';

export async function reportShortage(order: StoredOrder, items: { sku: string; missing: number }[]): Promise<StoredOrder> {
  const lines = new Map(order.items.map((line) => [line.sku, line.quantity]));
  const invalid = items.filter((item) => !lines.has(item.sku) || item.missing > lines.get(item.sku)!);
  if (invalid.length) {
    throw new DomainError(
      'VALIDATION_ERROR',
      'Each shortage must name a line of the order and at most its quantity',
      invalid.map((item) => ({ path: `body.items.${item.sku}`, message: lines.has(item.sku) ? 'more missing than ordered' : 'not a line of this order' })),
    );
  }
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
  await signalOpenTask(current);
  return current;
}
