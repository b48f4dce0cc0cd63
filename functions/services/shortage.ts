/**
 * The warehouse reports goods missing at picking: the order is cancelled with
 * OUT_OF_STOCK and refunded; the missing units are written off (they leave the
 * stock), the units found go back to available. The workflow's compensation does
 * the work; the shortage rides in the failure's cause.
 */
import { DomainError } from '../core/errors.js';
import { updateWhile, type StoredOrder } from '../adapters/orders.js';
import { taskFailed } from '../adapters/workflow.js';

export async function reportShortage(order: StoredOrder, items: { sku: string; missing: number }[]): Promise<void> {
  if (order.status === 'CANCELLED' && order.cancellation?.reason === 'OUT_OF_STOCK') return; // repeat: harmless
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
  const marked = await updateWhile(order.orderId, ['PICKING'], { shortage: missing });
  if (!marked) throw new DomainError('INVALID_STATE', `The order is ${order.status}, not PICKING`);
  if (marked.taskToken && marked.taskStage === 'picking') {
    await taskFailed(marked.taskToken, 'Stock.Shortage', { reason: 'OUT_OF_STOCK', missing });
  }
}
