/**
 * What happens to an order when the warehouse, a carrier or the customer speaks (the
 * payment provider: services/payments.ts). Each change is a conditional write; the
 * workflow's open task is resolved only after the change is durable, from the
 * recorded status, and a repeated call finds the change made and resolves again
 * harmlessly.
 */
import { DomainError } from '../core/errors.js';
import { hasReached, type CancellationReason, type OrderStatus, type ShipmentEvent, type Stage } from '../core/order.js';
import type { CarrierEvent } from '../core/schemas.js';
import { advanceShipmentStatus, appendShipmentEvent, getOrder, transition, type StoredOrder } from '../adapters/orders.js';
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

/** The workflow error a cancelled order's open task fails with (names the cause in the execution's history). */
const CANCEL_ERRORS: Partial<Record<CancellationReason, string>> = {
  PAYMENT_FAILED: 'Payment.Failed',
  OUT_OF_STOCK: 'Stock.Shortage',
};

/**
 * Resolves a stage's task from the order's recorded status: failed if the order was
 * cancelled (the workflow's Catch compensates), done if it has got past the stage
 * (COMPLETED also ends the delivery wait); otherwise the task keeps waiting.
 */
export async function settle(order: StoredOrder, stage: Exclude<Stage, 'compensation'>, token: string): Promise<'resolved' | 'waiting'> {
  if (order.status === 'CANCELLED') {
    const reason = order.cancellation?.reason ?? 'CUSTOMER_CANCELLED';
    await taskFailed(token, CANCEL_ERRORS[reason] ?? 'Order.Cancelled', { reason });
    return 'resolved';
  }
  if (hasReached(order.status, STAGE_DONE[stage])) {
    await taskSucceeded(token, { status: order.status });
    return 'resolved';
  }
  return 'waiting';
}

/** Signals the order's open task, whatever its stage, from the order's current state. */
export async function signalOpenTask(order: StoredOrder): Promise<void> {
  if (order.taskToken && order.taskStage && order.taskStage !== 'compensation') {
    const outcome = await settle(order, order.taskStage, order.taskToken);
    logger.info('workflow task signalled', { orderId: order.orderId, stage: order.taskStage, outcome });
  }
}

/** The warehouse picked and packed the order. */
export async function completePick(orderId: string, packages: { weightGrams: number }[]): Promise<StoredOrder> {
  const packed = await transition(orderId, {
    to: 'PACKED',
    set: { packages, fulfilment: { shortages: [], resolution: 'NONE', backorderedSince: null } },
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
  if (order.status === 'CANCELLED') throw new DomainError('INVALID_STATE', `The order was cancelled (${order.cancellation?.reason ?? 'CANCELLED'}); do not pack it`);
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
 * Records a carrier event on the shipment. Each event is appended once (keyed by its
 * status and time) with no read-modify-write, so a carrier replaying a backlog of
 * events for one parcel at once never contends. The shipment's status moves only to
 * an event at least as new as the newest seen: an older event is kept in `events`
 * but changes neither the shipment's status nor the order's.
 */
export async function applyCarrierEvent(event: CarrierEvent): Promise<CarrierOutcome> {
  const orderId = await findOrderIdByTracking(event.data.trackingNumber);
  if (!orderId) return 'unknown-tracking';
  const incoming: ShipmentEvent = { status: event.data.status, occurredAt: new Date(event.data.occurredAt).toISOString() };
  // A retried webhook after a crash finds its event appended already ('known') and goes on.
  if ((await appendShipmentEvent(orderId, incoming)) === 'no-shipment') return 'unknown-tracking';
  const newest = await advanceShipmentStatus(orderId, incoming);
  if (!newest || incoming.status !== 'DELIVERED') return 'recorded';
  const delivered = (await transition(orderId, { to: 'DELIVERED' })) ?? (await getOrder(orderId));
  if (delivered) await signalOpenTask(delivered);
  return 'delivered';
}
