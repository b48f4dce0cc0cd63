/**
 * The order model and its lifecycle rules. Pure: no I/O.
 */
import type { Payment } from './money.js';
export type { Payment } from './money.js';
export const ORDER_STATUSES = [
  'PENDING_PAYMENT',
  'PAID',
  'PICKING',
  'PACKED',
  'SHIPPED',
  'DELIVERED',
  'COMPLETED',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const CANCELLATION_REASONS = [
  'CUSTOMER_CANCELLED',
  'PAYMENT_TIMEOUT',
  'PAYMENT_FAILED',
  'OUT_OF_STOCK',
  'OPS_CANCELLED',
] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];

export const PAYMENT_METHODS = ['card', 'alipay', 'wechat_pay', 'paypal'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const CARRIER_STATUSES = [
  'PICKED_UP',
  'IN_TRANSIT',
  'OUT_FOR_DELIVERY',
  'DELIVERED',
  'EXCEPTION',
  'RETURNED_TO_SENDER',
] as const;
export type CarrierStatus = (typeof CARRIER_STATUSES)[number];

/** The workflow stages that wait for a callback; the order remembers the open one's token. */
export type Stage = 'payment' | 'picking' | 'shipping' | 'delivery' | 'receipt' | 'compensation';

export interface OrderLine {
  sku: string;
  name: string;
  quantity: number;
  unitPriceMinor: number;
  lineTotalMinor: number;
  /** Units of the line that were refunded (a shortage shipped without them, a return). */
  refundedQuantity?: number;
}

export interface ShippingAddress {
  name: string;
  phone: string;
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postalCode: string;
  country: string;
}

export interface ShipmentEvent {
  status: CarrierStatus;
  occurredAt: string;
}

export interface Shipment {
  carrier: string;
  trackingNumber: string;
  status: CarrierStatus | null;
  events: ShipmentEvent[];
}

export type ShortageResolution = 'NONE' | 'SHIP_AVAILABLE' | 'WAIT_FOR_RESTOCK' | 'CANCEL_ORDER';

export interface Fulfilment {
  shortages: { sku: string; missing: number }[];
  resolution: ShortageResolution;
  backorderedSince: string | null;
}

export interface HistoryEntry {
  status: OrderStatus;
  at: string;
  reason?: CancellationReason;
}

export interface Order {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  items: OrderLine[];
  currency: string;
  totalMinor: number;
  shippingAddress: ShippingAddress;
  paymentMethod: PaymentMethod;
  payment: Payment | null;
  shipment: Shipment | null;
  cancellation: { reason: CancellationReason; at: string } | null;
  fulfilment: Fulfilment | null;
  paymentDeadline: string;
  history: HistoryEntry[];
  createdAt: string;
  updatedAt: string;
  /** Stored only: the stock shard each SKU's units were reserved on (absent: shard 0); see core/stock-shards.ts. */
  stockShards?: Record<string, number>;
}

/** Position on the forward-only line; CANCELLED is final and off the line. */
const RANK: Record<OrderStatus, number> = {
  PENDING_PAYMENT: 0,
  PAID: 1,
  PICKING: 2,
  PACKED: 3,
  SHIPPED: 4,
  DELIVERED: 5,
  COMPLETED: 6,
  CANCELLED: 7,
};

export const FINAL_STATUSES: readonly OrderStatus[] = ['COMPLETED', 'CANCELLED'];

/**
 * Which statuses may move to `to`. Forward only; steps may be skipped only where
 * API.md allows it (a customer confirming receipt while SHIPPED).
 */
export function allowedPredecessors(to: OrderStatus): OrderStatus[] {
  switch (to) {
    case 'PENDING_PAYMENT':
      return [];
    case 'PAID':
      return ['PENDING_PAYMENT'];
    case 'PICKING':
      return ['PAID'];
    case 'PACKED':
      return ['PICKING'];
    case 'SHIPPED':
      return ['PACKED'];
    case 'DELIVERED':
      return ['SHIPPED'];
    case 'COMPLETED':
      return ['SHIPPED', 'DELIVERED'];
    case 'CANCELLED':
      return CANCELLABLE;
  }
}

/** Statuses from which the order can still be cancelled (goods have not left the shelf). */
export const CANCELLABLE: OrderStatus[] = ['PENDING_PAYMENT', 'PAID', 'PICKING'];

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return allowedPredecessors(to).includes(from);
}

/** True when `status` is `target` or lies beyond it on the forward line. */
export function hasReached(status: OrderStatus, target: OrderStatus): boolean {
  if (status === 'CANCELLED' || target === 'CANCELLED') return status === target;
  return RANK[status] >= RANK[target];
}

export function lineTotal(quantity: number, unitPriceMinor: number): number {
  return quantity * unitPriceMinor;
}

export function orderTotal(lines: readonly { lineTotalMinor: number }[]): number {
  return lines.reduce((sum, line) => sum + line.lineTotalMinor, 0);
}

/**
 * The Order of API.md, in its field order and nothing else: for clients (with the
 * shipping address) and for events (without: API.md keeps it out of events).
 */
export function orderView(order: Order, withAddress: true): Order;
export function orderView(order: Order, withAddress: false): Omit<Order, 'shippingAddress'>;
export function orderView(order: Order, withAddress: boolean): Order | Omit<Order, 'shippingAddress'> {
  const payment = order.payment ? { ...order.payment, refunds: order.payment.refunds.map(({ submittedAt: _submitted, note: _note, ...refund }) => refund) } : null;
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    status: order.status,
    items: order.items,
    currency: order.currency,
    totalMinor: order.totalMinor,
    ...(withAddress ? { shippingAddress: order.shippingAddress } : {}),
    paymentMethod: order.paymentMethod,
    payment,
    shipment: order.shipment ?? null,
    cancellation: order.cancellation ?? null,
    fulfilment: order.fulfilment ?? null,
    paymentDeadline: order.paymentDeadline,
    history: order.history,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

/** Statuses after the hand-over to the carrier: the order's execution has ended (SUCCEEDED) and the due-orders sweeper keeps its deadlines. */
export const HANDED_OVER: readonly OrderStatus[] = ['SHIPPED', 'DELIVERED'];

/** Is the order's workflow where it should be: running, or ended at the hand-over? */
export function workflowInStep(status: OrderStatus, executionStatus: string): boolean {
  return executionStatus === 'RUNNING' || (executionStatus === 'SUCCEEDED' && HANDED_OVER.includes(status));
}

/** An order id: `ord_` and a ULID (26 Crockford base-32 characters). */
export const ORDER_ID_PATTERN = /^ord_[0-9A-HJKMNP-TV-Z]{26}$/;
