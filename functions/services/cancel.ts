/**
 * Cancellation and its compensation. A cancel request is recorded on the order
 * (guarded by its status), which stops the warehouse from packing it, and then fails
 * the workflow's waiting task with `Order.Cancelled`; the workflow's Catch runs the
 * compensation below. Whichever of the request and the stage worker writes second
 * sees the other's write and sends the signal, so it is never lost.
 */
import { DomainError } from '../core/errors.js';
import { CANCELLABLE, CANCELLATION_REASONS, type CancellationReason } from '../core/order.js';
import { getOrder, transition, updateWhile, type StockLine, type StoredOrder } from '../adapters/orders.js';
import { taskFailed } from '../adapters/workflow.js';
import { paymentProviderFromEnv } from '../adapters/payment-provider.js';
import { logger, metrics } from '../shared/powertools.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';

export async function requestCancellation(order: StoredOrder): Promise<StoredOrder> {
  if (order.status === 'CANCELLED') return order;
  const marked = await updateWhile(order.orderId, CANCELLABLE, { cancelRequestedAt: new Date().toISOString() });
  if (!marked) {
    const current = await getOrder(order.orderId);
    if (current?.status === 'CANCELLED') return current;
    throw new DomainError('INVALID_STATE', `The order is ${current?.status ?? order.status}; it can be cancelled only before it is packed`);
  }
  await signalCancellation(marked);
  return marked;
}

/** Fails the open payment or picking task of an order whose cancellation was requested. */
export async function signalCancellation(order: StoredOrder, reason: CancellationReason = 'CUSTOMER_CANCELLED'): Promise<void> {
  if (order.taskToken && (order.taskStage === 'payment' || order.taskStage === 'picking')) {
    const result = await taskFailed(order.taskToken, 'Order.Cancelled', { reason });
    logger.info('cancellation signalled', { orderId: order.orderId, stage: order.taskStage, result });
  }
}

const ERROR_REASONS: Record<string, CancellationReason> = {
  'Order.Cancelled': 'CUSTOMER_CANCELLED',
  'Payment.Failed': 'PAYMENT_FAILED',
  'Stock.Shortage': 'OUT_OF_STOCK',
};

export interface Failure {
  Error?: string;
  Cause?: string;
  reason?: string;
}

/** The cancellation reason for a caught workflow failure. */
export function reasonFor(failure: Failure | undefined): CancellationReason {
  const known = (value: unknown): value is CancellationReason => CANCELLATION_REASONS.includes(value as CancellationReason);
  if (known(failure?.reason)) return failure.reason;
  try {
    const cause: unknown = JSON.parse(failure?.Cause ?? '');
    const reason = (cause as { reason?: unknown } | null)?.reason;
    if (known(reason)) return reason;
  } catch {
    // not JSON: fall back to the error name
  }
  return ERROR_REASONS[failure?.Error ?? ''] ?? 'CUSTOMER_CANCELLED';
}

/**
 * Refund if paid, release the stock, mark CANCELLED with the reason. Safe to run any
 * number of times: each pass re-reads the order and acts only on what is left.
 */
export async function compensate(orderId: string, failure: Failure | undefined): Promise<StoredOrder | null> {
  const reason = reasonFor(failure);
  for (let attempt = 0; attempt < 5; attempt++) {
    const order = await getOrder(orderId);
    if (!order || order.status === 'CANCELLED') return order;
    if (!CANCELLABLE.includes(order.status)) {
      // Packed or beyond: goods are on their way; a cancellation cannot apply.
      logger.error('compensation found the order past cancellation', { orderId, status: order.status, reason });
      metrics.addMetric('CompensationSkipped', MetricUnit.Count, 1);
      return order;
    }
    const paid = order.status !== 'PENDING_PAYMENT';
    let stock: StockLine[];
    const set: Record<string, unknown> = {};
    if (paid) {
      if (order.payment) await paymentProviderFromEnv().refund(order.payment.paymentId);
      const refundedAt = new Date().toISOString();
      if (order.payment) set.payment = { ...order.payment, status: 'REFUNDED', refundedAt };
      stock = order.items.map((line) => {
        const missing = Math.min(order.shortage?.[line.sku] ?? 0, line.quantity);
        return { sku: line.sku, quantity: line.quantity - missing, move: 'unsell' as const, writtenOff: missing };
      });
    } else {
      stock = order.items.map((line) => ({ sku: line.sku, quantity: line.quantity, move: 'release' as const }));
    }
    const cancelled = await transition(orderId, {
      to: 'CANCELLED',
      from: [order.status],
      reason,
      set,
      stock,
      remove: ['gsi2pk', 'gsi2sk', 'pickTaskCreatedAt', 'taskToken', 'taskStage'],
    });
    if (cancelled) {
      metrics.addMetric('OrderCancelled', MetricUnit.Count, 1);
      logger.info('order cancelled', { orderId, reason, refunded: paid });
      return cancelled;
    }
  }
  throw new Error(`compensation of ${orderId} kept losing races; will be retried`);
}
