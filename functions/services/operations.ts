/**
 * What operators look at (API.md "Operations"): an order's timeline, put together from
 * what the system already records (the order, its returns, the execution's history,
 * the audit trail, the events and their deliveries), and the orders that are stuck.
 * Nothing personal goes into a timeline: no address, no note, no name.
 */
import { FINAL_STATUSES, workflowInStep, type OrderStatus } from '../core/order.js';
import { deadlines } from '../core/config.js';
import { listActions } from '../adapters/audit.js';
import { getDeliveries, listEndpoints, listSubjectEvents } from '../adapters/events.js';
import { openOrderPages, type StoredOrder } from '../adapters/orders.js';
import { startOrderExecution } from './order-workflow.js';
import { listReturnsOfOrder } from '../adapters/returns.js';
import { describeOrderWorkflow, orderWorkflowHistory, redriveOrderWorkflow } from '../adapters/workflow.js';
import { getOrder } from '../adapters/orders.js';
import { DomainError } from '../core/errors.js';

export type TimelineSource = 'order' | 'workflow' | 'payment' | 'carrier' | 'warehouse' | 'customer' | 'ops' | 'event';
export interface TimelineItem {
  at: string;
  source: TimelineSource;
  type: string;
  detail: Record<string, unknown>;
}

/** Workflow history worth an operator's eye: states entered and left, failures, timeouts, the execution's own events. */
const WORKFLOW_EVENTS = /StateEntered$|StateExited$|^TaskFailed$|^TaskTimedOut$|^Execution/;

export async function orderTimeline(order: StoredOrder): Promise<TimelineItem[]> {
  const items: TimelineItem[] = [];
  const add = (at: string | null | undefined, source: TimelineSource, type: string, detail: Record<string, unknown> = {}) => {
    if (at) items.push({ at, source, type, detail });
  };
  add(order.createdAt, 'customer', 'order.placed', { lines: order.items.length, totalMinor: order.totalMinor, currency: order.currency, paymentMethod: order.paymentMethod });
  for (const entry of order.history) add(entry.at, 'order', entry.status, entry.reason ? { reason: entry.reason } : {});
  if (order.cancellation?.reason === 'CUSTOMER_CANCELLED') add(order.cancellation.at, 'customer', 'order.cancel', {});

  const payment = order.payment;
  if (payment) {
    add(payment.paidAt, 'payment', 'payment.succeeded', { provider: payment.provider, paymentId: payment.paymentId, amountMinor: payment.amountMinor, currency: payment.currency });
    for (const refund of payment.refunds) {
      add(refund.createdAt, 'payment', 'refund.owed', { refundId: refund.refundId, amountMinor: refund.amountMinor, reason: refund.reason });
      add(refund.completedAt, 'payment', `refund.${refund.status.toLowerCase()}`, { refundId: refund.refundId, amountMinor: refund.amountMinor });
    }
  }
  for (const stray of order.strayPayments ?? []) add(stray.paidAt, 'payment', 'payment.stray', { provider: stray.provider, paymentId: stray.paymentId, amountMinor: stray.amountMinor });
  if (order.shipment) {
    for (const event of order.shipment.events) add(event.occurredAt, 'carrier', event.status, { carrier: order.shipment.carrier, trackingNumber: order.shipment.trackingNumber });
  }

  const [history, returns, events, endpoints, actions] = await Promise.all([
    orderWorkflowHistory(order.orderId),
    listReturnsOfOrder(order.orderId),
    listSubjectEvents({ kind: 'order', id: order.orderId }),
    listEndpoints(),
    listActions({ kind: 'order', id: order.orderId }),
  ]);
  for (const event of history) if (WORKFLOW_EVENTS.test(event.type)) add(event.at, 'workflow', event.type, { ...(event.state ? { state: event.state } : {}), ...(event.error ? { error: event.error } : {}) });
  for (const ret of returns) {
    for (const entry of ret.history) add(entry.at, entry.status === 'REQUESTED' ? 'customer' : 'order', `return.${entry.status.toLowerCase()}`, { returnId: ret.returnId, units: ret.items.reduce((n, line) => n + line.quantity, 0) });
  }
  for (const action of actions) add(action.at, action.roles.includes('ops') ? 'ops' : 'warehouse', action.action, { sub: action.actor, status: action.status, ...(action.refs ? { refs: action.refs } : {}) });
  // Every event's deliveries in one batch read.
  const deliveries = await getDeliveries(events.flatMap((event) => endpoints.map((endpoint) => ({ endpointId: endpoint.endpointId, eventId: event.eventId }))));
  for (const event of events) {
    add(event.createdAt, 'event', event.type, {
      eventId: event.eventId,
      sequence: event.sequence,
      deliveries: deliveries.filter((d) => d.eventId === event.eventId).map((d) => ({ endpointId: d.endpointId, status: d.status, attempts: d.attempts, lastResponseStatus: d.lastResponseStatus })),
    });
  }
  return items.sort((a, b) => a.at.localeCompare(b.at));
}

export interface StuckOrder {
  orderId: string;
  status: OrderStatus;
  since: string;
  problem: 'NO_EXECUTION' | 'EXECUTION_FAILED' | 'OVERDUE';
  executionStatus: string | null;
}

/** How long an order may stay in a status before it is overdue: its stage's deadline (API.md), with a minute's grace. */
function overdueAfterSeconds(order: StoredOrder): number | null {
  const d = deadlines();
  const limits: Partial<Record<OrderStatus, number>> = {
    PAID: 300,
    PICKING: d.pickingSeconds,
    // The booking is retried three times (the ASL's Retry) before the stage gives up.
    PACKED: d.shippingSeconds * 4,
    SHIPPED: d.deliverySeconds,
    DELIVERED: d.receiptSeconds,
  };
  return limits[order.status] ?? null;
}

export async function stuckOrders(now = new Date(), graceSeconds = Number(process.env.RECONCILE_GRACE_SECONDS ?? 60)): Promise<StuckOrder[]> {
  const stuck: StuckOrder[] = [];
  for await (const page of openOrderPages(now.toISOString(), 100)) {
    for (const order of page.items.filter((o) => !FINAL_STATUSES.includes(o.status))) {
      const since = order.history.at(-1)?.at ?? order.createdAt;
      const execution = await describeOrderWorkflow(order.orderId);
      const base = { orderId: order.orderId, status: order.status, since, executionStatus: execution?.status ?? null };
      // Younger orders may still be inside their create request.
      if (!execution && Date.parse(order.createdAt) + graceSeconds * 1000 < now.getTime()) stuck.push({ ...base, problem: 'NO_EXECUTION' });
      else if (execution && !workflowInStep(order.status, execution.status)) stuck.push({ ...base, problem: 'EXECUTION_FAILED' });
      else if (execution) {
        // Handed over, the order's deadline is its due time (the sweeper completes it then).
        const deadline = order.status === 'PENDING_PAYMENT' ? Date.parse(order.paymentDeadline) : order.dueAt ? Date.parse(order.dueAt) : Date.parse(since) + (overdueAfterSeconds(order) ?? Infinity) * 1000;
        if (deadline + graceSeconds * 1000 < now.getTime()) stuck.push({ ...base, problem: 'OVERDUE' });
      }
    }
  }
  return stuck;
}

/**
 * An operator's retry: a failed, timed-out or stopped execution goes on from the state
 * that failed (RedriveExecution: the stage's task runs again and its worker acts on the
 * order as it is now); an order that never got its execution gets one (its payment
 * deadline kept). A running or finished execution is left alone.
 */
export async function retryOrder(orderId: string, now = new Date()): Promise<'redriven' | 'started'> {
  const order = await getOrder(orderId);
  if (!order) throw new DomainError('NOT_FOUND', `No order ${orderId}`);
  const execution = await describeOrderWorkflow(orderId);
  if (!execution) {
    if (FINAL_STATUSES.includes(order.status)) throw new DomainError('INVALID_STATE', `The order is ${order.status} and has no execution to resume`);
    await startOrderExecution(order, now);
    return 'started';
  }
  if (execution.status === 'RUNNING' || execution.status === 'SUCCEEDED') throw new DomainError('INVALID_STATE', `Its execution is ${execution.status}: nothing to resume`);
  await redriveOrderWorkflow(orderId);
  return 'redriven';
}
