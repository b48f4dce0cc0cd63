/**
 * Cancellation, decided in one write: the order moves to CANCELLED from the status
 * it was read in (version-guarded), with its stock moves and the refund it is owed
 * recorded in the same write. Then the effects follow from the record: the refund
 * (functions/services/refunds.ts) and the workflow's signal, sent from the recorded
 * change (functions/streams/drive-workflows.ts), whose Catch runs the compensation
 * stage, which only finishes what the record owes.
 *
 * A deadline that fires as the order moves on (paid just in time, packed just in
 * time) loses the race: the compensation reports the status it found and the
 * workflow resumes from there.
 */
import { DomainError } from '../core/errors.js';
import { CANCELLABLE, CANCELLATION_REASONS, type CancellationReason, type Fulfilment, type OrderStatus } from '../core/order.js';
import { cancellationDecision } from '../core/decisions.js';
import { getOrder, transition, updateWhile, type StoredOrder } from '../adapters/orders.js';
import { paymentProvidersFromEnv, type PaymentProviders } from '../adapters/payments/registry.js';
import { closeOrApply } from './payments.js';
import { settleRefunds } from './refunds.js';
import { backoff } from '../shared/backoff.js';
import { count, logger } from '../shared/powertools.js';

export interface CancelRequest {
  reason: CancellationReason;
  /** Statuses this cancellation may start from. */
  from: readonly OrderStatus[];
  /** Units reported missing at picking: written off instead of returned to stock. */
  missing?: Record<string, number>;
  fulfilment?: Fulfilment;
  /**
   * The order's payment provider: an unpaid order's payment is closed there before
   * the order is cancelled (API.md), so it can no longer be paid.
   */
  payments?: PaymentProviders;
  /**
   * Decided by the workflow's compensation (a deadline): the open task has ended
   * already, so the order forgets its token and no signal follows from the change.
   */
  taskEnded?: boolean;
}

export type CancelOutcome = 'cancelled' | 'already-cancelled' | 'not-cancellable';

const MAX_ATTEMPTS = 25;

/** Decides the cancellation; does not act on it (its refund: settleRefunds; its signal: the change stream). */
export async function decideCancellation(orderId: string, request: CancelRequest): Promise<{ order: StoredOrder; outcome: CancelOutcome }> {
  let closedHere = false;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await backoff(attempt);
    const order = await getOrder(orderId);
    if (!order) throw new DomainError('NOT_FOUND', `No order ${orderId}`);
    if (order.status === 'CANCELLED') {
      // Cancelled by someone else after this request closed the payment: record what the provider now holds.
      const open = order.payment && !order.payment.paidAt && order.payment.status !== 'CLOSED' ? order.payment : null;
      if (!closedHere || !open) return { order, outcome: 'already-cancelled' };
      const recorded = await updateWhile(orderId, ['CANCELLED'], { payment: { ...open, status: 'CLOSED' } }, { expectVersion: order.version });
      if (recorded) return { order: recorded, outcome: 'already-cancelled' };
      continue;
    }
    if (!request.from.includes(order.status)) return { order, outcome: 'not-cancellable' };
    // An unpaid order's payment is closed at the provider first (once), so it can no longer be paid.
    const unpaid = order.status === 'PENDING_PAYMENT' && order.payment && !order.payment.paidAt ? order.payment : null;
    if (unpaid && request.payments && !closedHere) {
      if ((await closeOrApply(orderId, unpaid, request.payments)) === 'applied') continue; // decide again from the paid (or failed) order
      closedHere = true;
    }
    const decision = cancellationDecision(order, new Date().toISOString(), request.missing, closedHere && !!unpaid);
    const cancelled = await transition(orderId, {
      to: 'CANCELLED',
      from: [order.status],
      reason: request.reason,
      expectVersion: order.version,
      set: { ...(decision.payment ? { payment: decision.payment } : {}), ...(request.fulfilment ? { fulfilment: request.fulfilment } : {}) },
      stock: decision.stock,
      // The pick task is withdrawn; the order stays in the open-orders index while a refund is owed.
      remove: ['gsi2pk', 'gsi2sk', 'pickTaskCreatedAt', ...(request.taskEnded ? (['taskToken', 'taskStage'] as const) : [])],
      keepOpen: decision.refundOwed,
    });
    if (cancelled) {
      await count('OrderCancelled');
      logger.info('order cancelled', { orderId, reason: request.reason, from: order.status, refundOwed: decision.refundOwed });
      return { order: cancelled, outcome: 'cancelled' };
    }
  }
  throw new Error(`cancellation of ${orderId} kept losing races; will be retried`);
}

/** An operator may also cancel a PACKED order: it has not left the warehouse (API.md "Operations"). */
export const OPS_CANCELLABLE: readonly OrderStatus[] = [...CANCELLABLE, 'PACKED'];

/** The customer's (or an operator's) cancel: decided now, refunded by the compensation stage. */
export async function requestCancellation(order: StoredOrder, reason: CancellationReason = 'CUSTOMER_CANCELLED'): Promise<StoredOrder> {
  const from = reason === 'OPS_CANCELLED' ? OPS_CANCELLABLE : CANCELLABLE;
  const { order: current, outcome } = await decideCancellation(order.orderId, { reason, from, payments: paymentProvidersFromEnv() });
  if (outcome === 'not-cancellable') {
    throw new DomainError('INVALID_STATE', `The order is ${current.status}; it can be cancelled only before it ${reason === 'OPS_CANCELLED' ? 'leaves with the carrier' : 'is packed'}`);
  }
  return current;
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

/** Deadlines cancel only from the stage whose wait they end; anything further on has won the race. */
function cancellableFor(reason: CancellationReason): readonly OrderStatus[] {
  if (reason === 'PAYMENT_TIMEOUT') return ['PENDING_PAYMENT'];
  if (reason === 'OUT_OF_STOCK') return ['PAID', 'PICKING'];
  if (reason === 'OPS_CANCELLED') return OPS_CANCELLABLE;
  return CANCELLABLE;
}

/**
 * The workflow's compensation stage. Usually the cancellation was decided already
 * (by the customer, a payment failure or a shortage) and only its refund is left;
 * for a deadline it is decided here. Returns the order, whose status tells the
 * workflow where to go on: CANCELLED ends it, PAID or PACKED resumes it.
 */
export async function compensate(orderId: string, failure: Failure | undefined): Promise<StoredOrder> {
  const reason = reasonFor(failure);
  const payments = paymentProvidersFromEnv();
  const { order, outcome } = await decideCancellation(orderId, { reason, from: cancellableFor(reason), payments, taskEnded: true });
  if (outcome === 'not-cancellable') {
    logger.warn('compensation found the order moved on; the workflow resumes', { orderId, status: order.status, reason });
    await count('CompensationResumed');
    return order;
  }
  return settleRefunds(order, payments);
}
