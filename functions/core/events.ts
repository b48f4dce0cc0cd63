/**
 * Events to other systems (API.md "Events to other systems"), as rules: which changes of
 * an order, a return or a product are events, read from the item before and after one
 * write (a DynamoDB stream record's old and new images). Pure: the publisher gives each
 * its id, sequence and deliveries.
 *
 * Only real changes count: an event is a status newly entered, a refund newly succeeded,
 * a shipment that changed. A retried handler whose conditional write changed nothing
 * makes no stream record, and a write that changed only bookkeeping makes no event.
 */
import { orderView, type Order, type OrderStatus } from './order.js';
import type { Product } from './product.js';
import { returnView, type Return, type ReturnStatus } from './returns.js';

export const EVENT_TYPES = [
  'order.created',
  'order.paid',
  'order.picking',
  'order.packed',
  'order.shipped',
  'order.delivered',
  'order.completed',
  'order.cancelled',
  'order.backordered',
  'payment.refunded',
  'shipment.updated',
  'return.requested',
  'return.approved',
  'return.rejected',
  'return.received',
  'return.refunded',
  'return.expired',
  'stock.low',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Order data in events: the order without its shipping address (API.md). */
export type EventOrder = Omit<Order, 'shippingAddress'>;

/** The product as operators see it, with its threshold. */
export type EventProduct = Product;

/** What a report counts for one event (reports.ts adds it to the day it happened). */
export type ReportFact =
  | { kind: 'orderStatus'; status: OrderStatus; order: EventOrder; reason?: string }
  | { kind: 'refund'; currency: string; amountMinor: number }
  | { kind: 'return'; status: ReturnStatus };

export interface EventDraft {
  type: EventType;
  /** What the sequence counts: the order (orders, payments, shipments, returns) or the product (stock.low). */
  subject: { kind: 'order' | 'product'; id: string };
  /** When the change happened (the status entry's time, the refund's completion). */
  at: string;
  /** Unique within one write, so that the event's id is derived from the write and this. */
  key: string;
  data: { order?: EventOrder; return?: Return; product?: EventProduct };
  report?: ReportFact;
}

const ORDER_EVENT: Record<OrderStatus, EventType> = {
  PENDING_PAYMENT: 'order.created',
  PAID: 'order.paid',
  PICKING: 'order.picking',
  PACKED: 'order.packed',
  SHIPPED: 'order.shipped',
  DELIVERED: 'order.delivered',
  COMPLETED: 'order.completed',
  CANCELLED: 'order.cancelled',
};

const RETURN_EVENT: Record<ReturnStatus, EventType> = {
  REQUESTED: 'return.requested',
  APPROVED: 'return.approved',
  REJECTED: 'return.rejected',
  RECEIVED: 'return.received',
  REFUNDED: 'return.refunded',
  EXPIRED: 'return.expired',
};

/** The order as events show it: API.md's Order, no shipping address, no internal fields. */
export function eventOrder(order: Order): EventOrder {
  return orderView(order, false);
}

/** The changes of one order write that are events: statuses entered, a backorder, refunds succeeded, the shipment. */
export function orderEvents(before: Order | undefined, after: Order): EventDraft[] {
  const order = eventOrder(after);
  const subject = { kind: 'order' as const, id: after.orderId };
  const drafts: EventDraft[] = [];
  // Every status the write entered, in order (one write may enter more than one).
  const known = before?.history?.length ?? 0;
  after.history.slice(known).forEach((entry, i) => {
    drafts.push({
      type: ORDER_EVENT[entry.status],
      subject,
      at: entry.at,
      key: `status:${known + i}`,
      data: { order },
      report: { kind: 'orderStatus', status: entry.status, order, ...(entry.reason ? { reason: entry.reason } : {}) },
    });
  });
  const backorderedSince = after.fulfilment?.backorderedSince;
  if (backorderedSince && backorderedSince !== before?.fulfilment?.backorderedSince) {
    drafts.push({ type: 'order.backordered', subject, at: backorderedSince, key: `backordered:${backorderedSince}`, data: { order } });
  }
  const succeededBefore = new Set((before?.payment?.refunds ?? []).filter((r) => r.status === 'SUCCEEDED').map((r) => r.refundId));
  for (const refund of after.payment?.refunds ?? []) {
    if (refund.status !== 'SUCCEEDED' || succeededBefore.has(refund.refundId)) continue;
    drafts.push({
      type: 'payment.refunded',
      subject,
      at: refund.completedAt ?? after.updatedAt,
      key: `refund:${refund.refundId}`,
      data: { order },
      report: { kind: 'refund', currency: after.payment!.currency, amountMinor: refund.amountMinor },
    });
  }
  if (after.shipment && JSON.stringify(after.shipment) !== JSON.stringify(before?.shipment ?? null)) {
    drafts.push({ type: 'shipment.updated', subject, at: after.updatedAt, key: `shipment:${after.shipment.events.length}:${after.shipment.status ?? ''}`, data: { order } });
  }
  return drafts;
}

/** A return's statuses entered by one write (its history grows by each). */
export function returnEvents(before: Return | undefined, after: Return): EventDraft[] {
  const ret = returnView(after);
  const known = before?.history?.length ?? 0;
  return after.history.slice(known).map((entry, i) => ({
    type: RETURN_EVENT[entry.status],
    subject: { kind: 'order' as const, id: after.orderId },
    at: entry.at,
    key: `return:${after.returnId}:${known + i}`,
    data: { return: ret },
    report: { kind: 'return' as const, status: entry.status },
  }));
}

/** `stock.low`: `available` fell to or below a set threshold (0 = off) in this write. */
export function productEvents(before: EventProduct | undefined, after: EventProduct, at: string): EventDraft[] {
  const threshold = after.lowStockThreshold ?? 0;
  if (threshold <= 0 || after.available > threshold) return [];
  // Only a fall: a threshold set above today's stock is not an event until stock moves.
  if (!before || before.available <= threshold) return [];
  return [{ type: 'stock.low', subject: { kind: 'product', id: after.sku }, at, key: `low:${after.available}`, data: { product: after } }];
}

/** Does an endpoint that subscribed to `events` get this type? */
export function subscribes(events: readonly string[], type: EventType): boolean {
  return events.includes('*') || events.includes(type);
}
