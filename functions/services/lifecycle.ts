/**
 * What happens to an order when the outside world speaks: a payment provider, the
 * warehouse, a carrier, the customer. Each effect is a conditional status change;
 * the workflow's open task is resolved only after the change is durable, and a
 * repeated call finds the change made and resolves (or skips) again harmlessly.
 */
import { DomainError } from '../core/errors.js';
import { hasReached, latestCarrierStatus, type Order, type OrderStatus, type Payment, type ShipmentEvent, type Stage } from '../core/order.js';
import type { PaymentProvider } from '../adapters/payment-provider.js';
import type { CarrierEvent, SandboxPaymentEvent } from '../core/schemas.js';
import { getOrder, transition, updateWhile, type StoredOrder } from '../adapters/orders.js';
import { findOrderIdByTracking } from '../adapters/inbox.js';
import { taskFailed, taskSucceeded } from '../adapters/workflow.js';
import { logger } from '../shared/powertools.js';

/** The status that ends each stage's wait. */
export const STAGE_DONE: Record<Exclude<Stage, 'compensation'>, OrderStatus> = {
  payment: 'PAID',
  picking: 'PACKED',
  shipping: 'SHIPPED',
  delivery: 'DELIVERED',
  receipt: 'COMPLETED',
};

/**
 * Resolves a stage's task from the order's current status: done if the order has
 * got past the stage (COMPLETED also ends the delivery wait), failed if it was
 * cancelled meanwhile; otherwise the task keeps waiting.
 */
export async function settle(order: StoredOrder, stage: Exclude<Stage, 'compensation'>, token: string): Promise<'resolved' | 'waiting'> {
  if (order.status === 'CANCELLED') {
    await taskFailed(token, 'Order.Cancelled', { reason: order.cancellation?.reason ?? 'CUSTOMER_CANCELLED' });
    return 'resolved';
  }
  if (stage === 'payment' && order.status === 'PENDING_PAYMENT' && (order.payment?.status === 'FAILED' || order.payment?.status === 'REFUNDED')) {
    await taskFailed(token, 'Payment.Failed', { reason: 'PAYMENT_FAILED' });
    return 'resolved';
  }
  if (stage === 'picking' && order.status === 'PICKING' && order.shortage) {
    await taskFailed(token, 'Stock.Shortage', { reason: 'OUT_OF_STOCK' });
    return 'resolved';
  }
  if (order.cancelRequestedAt && (stage === 'payment' || stage === 'picking') && !hasReached(order.status, 'PACKED')) {
    await taskFailed(token, 'Order.Cancelled', { reason: 'CUSTOMER_CANCELLED' });
    return 'resolved';
  }
  if (hasReached(order.status, STAGE_DONE[stage])) {
    await taskSucceeded(token, { status: order.status });
    return 'resolved';
  }
  return 'waiting';
}

export type PaymentOutcome = 'paid' | 'already-paid' | 'unknown-order' | 'refunded-late' | 'refunded-mismatch' | 'failed' | 'ignored';

function paymentRecord(order: Order, provider: string, data: SandboxPaymentEvent['data'], changes: Partial<Payment>): Payment {
  return {
    provider,
    paymentId: data.paymentId,
    status: 'PENDING',
    amountMinor: data.amountMinor,
    currency: data.currency,
    checkoutUrl: order.payment?.paymentId === data.paymentId ? order.payment.checkoutUrl : null,
    paidAt: null,
    refundedAt: null,
    ...changes,
  };
}

/**
 * Applies a verified payment event. Money that cannot be kept (wrong amount, or an
 * order that stopped waiting) is refunded at once, so no order is ever paid twice.
 */
export async function applyPaymentEvent(event: SandboxPaymentEvent, provider: string, payments: PaymentProvider): Promise<PaymentOutcome> {
  const { data } = event;
  const order = await getOrder(data.orderId);
  if (!order) return 'unknown-order';
  const now = new Date().toISOString();

  if (event.type === 'payment.failed') {
    const failed = await updateWhile(order.orderId, ['PENDING_PAYMENT'], {
      payment: paymentRecord(order, provider, data, { status: 'FAILED' }),
    });
    if (!failed) return 'ignored'; // a failure after success (or after cancellation) changes nothing
    await signalOpenTask(failed);
    return 'failed';
  }

  if (order.payment?.paymentId === data.paymentId && (order.payment.status === 'SUCCEEDED' || order.payment.status === 'REFUNDED')) {
    await signalOpenTask(order);
    return 'already-paid';
  }

  if (order.status === 'PENDING_PAYMENT' && (data.amountMinor !== order.totalMinor || data.currency !== order.currency)) {
    await payments.refund(data.paymentId);
    const refunded = await updateWhile(order.orderId, ['PENDING_PAYMENT'], {
      payment: paymentRecord(order, provider, data, { status: 'REFUNDED', paidAt: now, refundedAt: now }),
    });
    if (refunded) await signalOpenTask(refunded);
    logger.warn('payment amount mismatch refunded', { orderId: order.orderId, paymentId: data.paymentId });
    return 'refunded-mismatch';
  }

  const paid =
    order.status === 'PENDING_PAYMENT'
      ? await transition(order.orderId, {
          to: 'PAID',
          set: { payment: paymentRecord(order, provider, data, { status: 'SUCCEEDED', paidAt: now }) },
          stock: order.items.map((line) => ({ sku: line.sku, quantity: line.quantity, move: 'sell' as const })),
        })
      : null;
  if (paid) {
    await signalOpenTask(paid);
    return 'paid';
  }

  // The order stopped waiting (cancelled, timed out) or was paid by another payment.
  await payments.refund(data.paymentId);
  const current = await getOrder(order.orderId);
  if (current?.status === 'CANCELLED' && (!current.payment || current.payment.paymentId === data.paymentId)) {
    await updateWhile(order.orderId, ['CANCELLED'], {
      payment: paymentRecord(current, provider, data, { status: 'REFUNDED', paidAt: now, refundedAt: now }),
    });
  }
  logger.warn('late or second payment refunded', { orderId: order.orderId, paymentId: data.paymentId, status: current?.status });
  return 'refunded-late';
}

/** Signals the order's open task, whatever its stage, from the order's current state. */
async function signalOpenTask(order: StoredOrder): Promise<void> {
  if (order.taskToken && order.taskStage && order.taskStage !== 'compensation') {
    const outcome = await settle(order, order.taskStage, order.taskToken);
    logger.info('workflow task signalled', { orderId: order.orderId, stage: order.taskStage, outcome });
  }
}

/** The warehouse picked and packed the order. */
export async function completePick(orderId: string, packages: { weightGrams: number }[]): Promise<StoredOrder> {
  const packed = await transition(orderId, {
    to: 'PACKED',
    set: { packages },
    unlessCancelRequested: true,
    remove: ['gsi2pk', 'gsi2sk', 'pickTaskCreatedAt'],
  });
  if (packed) {
    await signalOpenTask(packed);
    return packed;
  }
  const order = await getOrder(orderId);
  if (!order) throw new DomainError('NOT_FOUND', 'There is no such pick task');
  // Repeating a call that succeeded is harmless (API.md), and re-sends the signal a
  // crash may have lost after the write.
  if (hasReached(order.status, 'PACKED')) {
    await signalOpenTask(order);
    return order;
  }
  if (order.status === 'PICKING' && order.cancelRequestedAt) throw new DomainError('INVALID_STATE', 'The order is being cancelled; do not pack it');
  throw new DomainError('INVALID_STATE', `The order is ${order.status}, not PICKING`);
}

/** The customer confirms receipt while SHIPPED or DELIVERED. */
export async function confirmReceipt(order: StoredOrder): Promise<StoredOrder> {
  if (order.status === 'COMPLETED') {
    await signalOpenTask(order);
    return order;
  }
  const completed = await transition(order.orderId, { to: 'COMPLETED', from: ['SHIPPED', 'DELIVERED'] });
  if (completed) {
    await signalOpenTask(completed);
    return completed;
  }
  const current = await getOrder(order.orderId);
  if (current?.status === 'COMPLETED') {
    await signalOpenTask(current);
    return current;
  }
  throw new DomainError('INVALID_STATE', `The order is ${current?.status ?? order.status}; receipt can be confirmed once it has shipped`);
}

export type CarrierOutcome = 'unknown-tracking' | 'recorded' | 'delivered';

/**
 * Records a carrier event on the shipment. An event older than the latest one is
 * kept in `events` but changes neither the shipment's status nor the order's.
 */
export async function applyCarrierEvent(event: CarrierEvent): Promise<CarrierOutcome> {
  const orderId = await findOrderIdByTracking(event.data.trackingNumber);
  if (!orderId) return 'unknown-tracking';
  const incoming: ShipmentEvent = { status: event.data.status, occurredAt: new Date(event.data.occurredAt).toISOString() };

  // Optimistic append guarded by the shipment's event count, so concurrent events
  // for one parcel are all kept.
  let order: StoredOrder | null = null;
  for (let attempt = 0; attempt < 10 && !order; attempt++) {
    const current = await getOrder(orderId);
    if (!current?.shipment) return 'unknown-tracking';
    const known = current.shipment.events.some((e) => e.status === incoming.status && e.occurredAt === incoming.occurredAt);
    // The same event applied again (a retried webhook after a crash) is not added twice.
    order = known ? current : await appendShipmentEvent(current, [...current.shipment.events, incoming]);
  }
  if (!order) throw new Error('carrier event could not be recorded after retries');

  const isLatest = latestCarrierStatus(order.shipment!.events) === 'DELIVERED' && incoming.status === 'DELIVERED';
  if (!isLatest) return 'recorded';
  const delivered = (order.status === 'SHIPPED' ? await transition(orderId, { to: 'DELIVERED' }) : null) ?? (await getOrder(orderId));
  if (delivered) await signalOpenTask(delivered);
  return 'delivered';
}

async function appendShipmentEvent(current: Order, events: ShipmentEvent[]): Promise<StoredOrder | null> {
  const statuses: OrderStatus[] = ['SHIPPED', 'DELIVERED', 'COMPLETED', 'CANCELLED'];
  const expectedCount = current.shipment!.events.length;
  return updateWhile(current.orderId, statuses, {
    'shipment.events': events,
    'shipment.status': latestCarrierStatus(events),
  }, { 'shipment.events': expectedCount });
}
