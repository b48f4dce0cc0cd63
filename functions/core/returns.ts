/**
 * Returns (API.md "Returns and refunds (after-sales)"), as rules: when an order can be
 * returned, how many units of each line still can, and what receiving a return does
 * to stock and money. Pure, so the decisions can be tested and reused by every path.
 *
 * An order counts, per SKU, the units in returns that are open (requested, approved)
 * in `returnedUnits`; received units move to the line's `refundedQuantity`. Returnable
 * = delivered - refunded - open. Every decision is written with the order's version,
 * so two returns racing for the last units never both succeed.
 */
import { createHash } from 'node:crypto';
import { DomainError } from './errors.js';
import { refundableMinor, withRefundOwed, type Payment } from './money.js';
import type { Order, OrderLine } from './order.js';
import { onHomeShards, type StockLine } from './decisions.js';

/** A return id: `ret_` and 26 upper-case hex characters. */
export const RETURN_ID_PATTERN = /^ret_[0-9A-F]{26}$/;

export const RETURN_REASONS = ['DAMAGED', 'WRONG_ITEM', 'NOT_AS_DESCRIBED', 'NO_LONGER_NEEDED', 'OTHER'] as const;
export const RETURN_STATUSES = ['REQUESTED', 'APPROVED', 'RECEIVED', 'REFUNDED', 'REJECTED', 'EXPIRED'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];

export interface ReturnLine {
  sku: string;
  quantity: number;
  reason: (typeof RETURN_REASONS)[number];
}

export interface Return {
  returnId: string;
  orderId: string;
  status: ReturnStatus;
  items: ReturnLine[];
  note: string | null;
  refundMinor: number;
  history: { status: ReturnStatus; at: string }[];
  createdAt: string;
  updatedAt: string;
}

/** What clients and events see: API.md's Return and nothing else. */
export function returnView(ret: Return): Return {
  const { returnId, orderId, status, items, note, refundMinor, history, createdAt, updatedAt } = ret;
  return { returnId, orderId, status, items, note, refundMinor, history, createdAt, updatedAt };
}

export interface ReturnableOrder extends Order {
  /** Per SKU, units in open (requested or approved) returns. */
  returnedUnits?: Record<string, number>;
}

/** A return's id: derived from the order and the customer's Idempotency-Key, so a retried request finds its return. */
export function returnIdFor(orderId: string, key: string): string {
  return `ret_${createHash('sha256').update(`${orderId}|${key}`).digest('hex').slice(0, 26).toUpperCase()}`;
}

/** The RETURN refund a received return owes: its provider idempotency key, derived from the order and the return. */
export function returnRefundIdFor(orderId: string, returnId: string): string {
  return `rf_${createHash('sha256').update(`${orderId}|RETURN|${returnId}`).digest('hex').slice(0, 32)}`;
}

/** When the return window opened: the delivery, or the completion if no delivery was reported. */
export function returnWindowStart(order: Order): string | null {
  const entry = order.history.find((h) => h.status === 'DELIVERED') ?? order.history.find((h) => h.status === 'COMPLETED');
  return entry?.at ?? null;
}

export function returnable(order: ReturnableOrder): Record<string, number> {
  return Object.fromEntries(order.items.map((line) => [line.sku, line.quantity - (line.refundedQuantity ?? 0) - (order.returnedUnits?.[line.sku] ?? 0)]));
}

/** The units a new return takes from the order; throws the API.md refusal otherwise. */
export function returnRequestDecision(order: ReturnableOrder, items: ReturnLine[], now: string, windowSeconds: number): Record<string, number> {
  if (order.status !== 'DELIVERED' && order.status !== 'COMPLETED') throw new DomainError('INVALID_STATE', `The order is ${order.status}: it can be returned once delivered`);
  const start = returnWindowStart(order);
  if (!start || Date.parse(start) + windowSeconds * 1000 < Date.parse(now)) throw new DomainError('RETURN_WINDOW_CLOSED', `Returns close ${windowSeconds} s after delivery`);
  const left = returnable(order);
  const exceeded = items.filter((item) => item.quantity > (left[item.sku] ?? 0));
  if (exceeded.length) {
    throw new DomainError(
      'RETURN_QUANTITY_EXCEEDED',
      'More units than were delivered and are not already returned',
      exceeded.map((item) => ({ sku: item.sku, requested: item.quantity, returnable: Math.max(0, left[item.sku] ?? 0) })),
    );
  }
  const units = { ...order.returnedUnits };
  for (const item of items) units[item.sku] = (units[item.sku] ?? 0) + item.quantity;
  return units;
}

/** A return that ends without goods (rejected, expired) gives its units back to what is returnable. */
export function releasedUnits(order: ReturnableOrder, ret: Pick<Return, 'items'>): Record<string, number> {
  const units = { ...order.returnedUnits };
  for (const item of ret.items) units[item.sku] = Math.max(0, (units[item.sku] ?? 0) - item.quantity);
  return units;
}

export interface ReceivedLine {
  sku: string;
  quantity: number;
  condition: 'RESELLABLE' | 'DAMAGED';
}

export interface ReceiveDecision {
  stock: StockLine[];
  payment: Payment | null;
  items: OrderLine[];
  returnedUnits: Record<string, number>;
  refundMinor: number;
}

/**
 * Receiving a return: resellable units go from `sold` back to `available`, damaged ones
 * are written off; the received units are refunded at their line price (a RETURN
 * refund keyed by the return, at most what is refundable) and counted in the lines'
 * `refundedQuantity`; the return's other units become returnable again.
 */
export function receiveDecision(order: ReturnableOrder, ret: Pick<Return, 'returnId' | 'items'>, received: ReceivedLine[], now: string): ReceiveDecision {
  const requested = new Map(ret.items.map((item) => [item.sku, item.quantity]));
  const over = received.filter((line) => line.quantity > (requested.get(line.sku) ?? 0));
  if (over.length) throw new DomainError('VALIDATION_ERROR', 'Received more units than the return names', over.map((line) => ({ path: `body.items.${line.sku}`, message: 'more than returned' })));
  const count = (sku: string) => received.filter((line) => line.sku === sku).reduce((sum, line) => sum + line.quantity, 0);
  const stock = onHomeShards(order, received.filter((line) => line.quantity > 0).map((line): StockLine =>
    line.condition === 'RESELLABLE' ? { sku: line.sku, quantity: line.quantity, move: 'unsell' } : { sku: line.sku, quantity: 0, move: 'unsell', writtenOff: line.quantity },
  ));
  const value = order.items.reduce((sum, line) => sum + count(line.sku) * line.unitPriceMinor, 0);
  const owed = order.payment ? Math.min(value, refundableMinor(order.payment)) : 0;
  const payment =
    order.payment && owed > 0
      ? withRefundOwed(order.payment, { refundId: returnRefundIdFor(order.orderId, ret.returnId), amountMinor: owed, reason: 'RETURN' }, now)
      : (order.payment ?? null);
  return {
    stock,
    payment,
    items: order.items.map((line) => (count(line.sku) > 0 ? { ...line, refundedQuantity: (line.refundedQuantity ?? 0) + count(line.sku) } : line)),
    returnedUnits: releasedUnits(order, ret),
    refundMinor: owed,
  };
}
