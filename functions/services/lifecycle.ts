/**
 * What happens to an order when the warehouse, a carrier or the customer speaks (the
 * payment provider: services/payments.ts). Each change is a conditional write; the
 * workflow's open task is resolved from the recorded change, by the change stream
 * (functions/streams/drive-workflows.ts), so a crash after the write loses no signal
 * and a repeated call finds the change made.
 */
import { DomainError } from '../core/errors.js';
import { FINAL_STATUSES, hasReached, type ShipmentEvent } from '../core/order.js';
import { resolutionFor, type WaitingStage } from '../core/task-signals.js';
import type { TrackingPush } from '../adapters/carriers/carrier.js';
import { advanceShipmentStatus, appendShipmentEvent, getOrder, shipmentEventKey, transition, updateWhile, type StoredOrder, type TrackingState } from '../adapters/orders.js';
import { findOrderIdByTracking } from '../adapters/inbox.js';
import { answerTask } from '../adapters/workflow.js';
import { backoff } from '../shared/backoff.js';
import { logger } from '../shared/powertools.js';

/**
 * Resolves a stage's task from the order's recorded status, for a stage worker whose
 * token could not be recorded because the order had moved on first (no change of the
 * order will carry that token to the stream): failed if the order was cancelled (the
 * workflow's Catch compensates), done if it has got past the stage; otherwise the task
 * keeps waiting.
 */
export async function settle(order: StoredOrder, stage: WaitingStage, token: string): Promise<'resolved' | 'waiting'> {
  const resolution = resolutionFor(order, stage);
  if (!resolution) return 'waiting';
  await answerTask(token, resolution);
  return 'resolved';
}

/** The warehouse picked and packed the order. */
export async function completePick(orderId: string, packages: { weightGrams: number }[]): Promise<StoredOrder> {
  for (let attempt = 0; attempt < 25; attempt++) {
    await backoff(attempt);
    const order = await getOrder(orderId);
    if (!order) throw new DomainError('NOT_FOUND', 'There is no such pick task');
    // Repeating a call that succeeded is harmless (API.md).
    if (hasReached(order.status, 'PACKED')) return order;
    if (order.status === 'CANCELLED') throw new DomainError('INVALID_STATE', `The order was cancelled (${order.cancellation?.reason ?? 'CANCELLED'}); do not pack it`);
    if (order.status !== 'PICKING') throw new DomainError('INVALID_STATE', `The order is ${order.status}, not PICKING`);
    // A backordered order is packed only once served, and keeps the record of its shortage and its wait.
    if (Object.values(order.backorder ?? {}).some((owed) => owed > 0)) {
      throw new DomainError('INVALID_STATE', 'The order waits for a restock of missing units; its pick task reopens once they arrive');
    }
    const waited = order.fulfilment?.resolution === 'WAIT_FOR_RESTOCK' ? order.fulfilment : null;
    // Written on the version read, so a shortage report decided meanwhile is never overwritten.
    const packed = await transition(orderId, {
      to: 'PACKED',
      from: ['PICKING'],
      expectVersion: order.version,
      set: { packages, fulfilment: waited ?? { shortages: [], resolution: 'NONE', backorderedSince: null } },
      remove: ['gsi2pk', 'gsi2sk', 'pickTaskCreatedAt'],
    });
    if (packed) return packed;
  }
  throw new Error(`the pick of ${orderId} kept losing races; retry it`);
}

/** The customer confirms receipt while SHIPPED or DELIVERED. */
export async function confirmReceipt(order: StoredOrder): Promise<StoredOrder> {
  if (order.status === 'COMPLETED') return order;
  const completed = await transition(order.orderId, { to: 'COMPLETED', from: ['SHIPPED', 'DELIVERED'] });
  if (completed) return completed;
  const current = await getOrder(order.orderId);
  if (current?.status === 'COMPLETED') return current;
  throw new DomainError('INVALID_STATE', `The order is ${current?.status ?? order.status}; receipt can be confirmed once it has shipped`);
}

export type CarrierOutcome = 'unknown-tracking' | 'recorded' | 'delivered' | 'order-closed';

/**
 * A verified tracking push: each event the order has not seen is added once (a push
 * may repeat the whole history), the shipment's status moves to the newest event only
 * if nothing newer was seen, and a newest DELIVERED delivers the order. The push's
 * subscription state (Kuaidi100's `abort`, `shutdown`) is recorded for the reconciler.
 */
export async function applyTrackingPush(push: TrackingPush): Promise<CarrierOutcome> {
  const orderId = await findOrderIdByTracking(push.trackingNumber);
  if (!orderId) return 'unknown-tracking';
  const order = await getOrder(orderId);
  if (!order) return 'unknown-tracking';
  if (!order.shipment) {
    // Booked, then cancelled before the shipping stage recorded it (an operator's cancel
    // of a PACKED order wins the race): the order will never take this waybill. The push
    // is acknowledged, or the carrier would retry it forever.
    if (FINAL_STATUSES.includes(order.status)) {
      logger.warn('tracking push for a waybill of an order closed before it shipped', { orderId, status: order.status, trackingNumber: push.trackingNumber });
      return 'order-closed';
    }
    // Booked and subscribed, not yet recorded SHIPPED: the carrier retries the push shortly.
    throw new Error(`order ${orderId} has no shipment recorded yet; the push will be retried`);
  }
  if (push.subscription && push.subscription.state !== 'polling' && push.subscription.state !== 'updateall') await recordTrackingState(order, push.subscription);
  const fresh = push.events.filter((event) => !order.shipmentEventKeys?.has(shipmentEventKey(event)));
  for (const event of fresh) {
    // A concurrent push of the same event finds it appended ('known') and goes on.
    if ((await appendShipmentEvent(orderId, event)) === 'no-shipment') return 'unknown-tracking';
  }
  const newest = fresh.reduce<ShipmentEvent | null>((latest, event) => (!latest || event.occurredAt >= latest.occurredAt ? event : latest), null);
  if (!newest || !(await advanceShipmentStatus(orderId, newest)) || newest.status !== 'DELIVERED') return 'recorded';
  await transition(orderId, { to: 'DELIVERED' });
  return 'delivered';
}

/** Kuaidi100 stopped tracking (`abort`: no record for days, no change for 60 days) or finished (`shutdown`). */
async function recordTrackingState(order: StoredOrder, subscription: { state: string; message: string }): Promise<void> {
  const tracking: TrackingState = { state: subscription.state, message: subscription.message.slice(0, 200), at: new Date().toISOString(), resubscriptions: order.shipmentTracking?.resubscriptions ?? 0 };
  await updateWhile(order.orderId, [order.status], { shipmentTracking: tracking });
  const log = subscription.state === 'abort' ? logger.warn.bind(logger) : logger.info.bind(logger);
  log('carrier tracking subscription changed', { orderId: order.orderId, state: subscription.state, message: tracking.message });
}
