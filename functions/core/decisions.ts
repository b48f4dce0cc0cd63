/**
 * Decisions, pure: from the order as it was read, what one conditional write must
 * record. The services write a decision only if the order is still the version it
 * was taken from, then carry out the effects it owes (refunds, workflow signals)
 * from the record, idempotently. Whoever loses a race re-reads and decides again.
 *
 * This is where money is decided: a refund exists only as an entry written here,
 * with its idempotency key, for a payment that the same write records as not paying
 * for a live order.
 */
import { createHash } from 'node:crypto';
import { refundableMinor, withRefundOwed, type Payment, type RefundReason } from './money.js';
import type { CancellationReason, Fulfilment, Order, OrderLine, OrderStatus } from './order.js';
import { DomainError } from './errors.js';

export type StockMove = 'reserve' | 'sell' | 'release' | 'unsell';

export interface StockLine {
  sku: string;
  /** Units that move from one counter to the next. */
  quantity: number;
  move: StockMove;
  /** Units that leave the stock from the move's source counter (a shortage). */
  writtenOff?: number;
  /** Change of the units owed to backordered orders (WAIT_FOR_RESTOCK: up when they wait, down when they are served or cancelled). */
  backordered?: number;
  /** The SKU's stock shard the order's units are on (core/stock-shards.ts); absent: shard 0. */
  shard?: number;
}

/** Stock lines on the shards where the order's units of each SKU were reserved. */
export function onHomeShards(order: Pick<Order, 'stockShards'>, lines: StockLine[]): StockLine[] {
  return lines.map((line) => (order.stockShards?.[line.sku] ? { ...line, shard: order.stockShards[line.sku] } : line));
}

/**
 * The refund's idempotency key (Alipay `out_request_no`, WeChat `out_refund_no`,
 * PayPal-Request-Id, Stripe Idempotency-Key): derived from the order, the payment
 * and the cause, so every retry of the same decision asks the provider for the same
 * refund. 35 characters, within every provider's limit.
 */
export function refundIdFor(orderId: string, paymentId: string, cause: string): string {
  return `rf_${createHash('sha256').update(`${orderId}|${paymentId}|${cause}`).digest('hex').slice(0, 32)}`;
}

/** What an order in `status` holds of its lines' stock. */
function holdsSold(status: OrderStatus): boolean {
  return status !== 'PENDING_PAYMENT';
}

export interface CancelDecision {
  stock: StockLine[];
  /** The order's payment with the refund it is owed, if it was paid. */
  payment: Payment | null;
  refundOwed: boolean;
}

/**
 * Cancelling the order as read: unpaid stock is released; paid stock goes back to
 * available except units reported missing (written off) and units that left `sold`
 * before (a SHIP_AVAILABLE shortage wrote them off and shows them as the line's
 * `refundedQuantity`); a payment that captured money is owed an ORDER_CANCELLED refund
 * of all that is still refundable; an unpaid one that was closed at the provider first
 * is recorded CLOSED.
 */
export function cancellationDecision(order: Order & { backorder?: Record<string, number> }, now: string, missing: Record<string, number> = {}, paymentClosed = false): CancelDecision {
  const stock: StockLine[] = onHomeShards(order, order.items.map((line): StockLine => {
    if (!holdsSold(order.status)) return { sku: line.sku, quantity: line.quantity, move: 'release' };
    // What the order still holds in `sold`: not the units an earlier shortage wrote off.
    const held = line.quantity - (line.refundedQuantity ?? 0);
    // Units a backordered order still waits for were written off already: they are no longer owed.
    const owed = order.backorder?.[line.sku] ?? 0;
    const lost = Math.max(0, Math.min(missing[line.sku] ?? 0, held - owed));
    return { sku: line.sku, quantity: Math.max(0, held - owed - lost), move: 'unsell', writtenOff: lost, ...(owed ? { backordered: -owed } : {}) };
  }));
  // An unpaid payment closed at the provider (so it can no longer be paid) is recorded CLOSED.
  const payment = order.payment && paymentClosed && !order.payment.paidAt ? { ...order.payment, status: 'CLOSED' as const } : (order.payment ?? null);
  const owed = payment ? refundableMinor(payment) : 0;
  if (!payment || owed <= 0) return { stock, payment, refundOwed: false };
  return {
    stock,
    payment: withRefundOwed(payment, { refundId: refundIdFor(order.orderId, payment.paymentId, 'ORDER_CANCELLED'), amountMinor: owed, reason: 'ORDER_CANCELLED' }, now),
    refundOwed: true,
  };
}

export interface PaymentReport {
  type: 'payment.succeeded' | 'payment.failed';
  provider: string;
  paymentId: string;
  amountMinor: number;
  currency: string;
}

/** A payment event's verdict on the order as read. */
export type PaymentDecision =
  /** Already decided for this payment: carry out what the record owes, change nothing. */
  | { kind: 'already-decided' }
  /** Nothing to do (a failure after success, or for another payment). */
  | { kind: 'ignore' }
  /** PENDING_PAYMENT -> PAID with this payment; stock reserved -> sold. */
  | { kind: 'pay'; payment: Payment }
  /** PENDING_PAYMENT -> CANCELLED (PAYMENT_FAILED): the payment failed, or captured the wrong amount (refund owed). */
  | { kind: 'cancel'; reason: CancellationReason; payment: Payment; refundOwed: boolean }
  /** The order stays as it is (it stopped waiting); its unpaid payment is recorded as failed, as the provider holds it. */
  | { kind: 'record-failure'; payment: Payment }
  /** The order stays as it is; this payment, which pays nothing, is owed a refund. */
  | { kind: 'refund'; payment: Payment; asOrderPayment: boolean };

interface StoredPayments {
  payment: Payment | null;
  strayPayments?: Payment[];
}

function captured(order: Order, report: PaymentReport, now: string): Payment {
  const known = order.payment?.paymentId === report.paymentId ? order.payment : null;
  return {
    provider: report.provider,
    paymentId: report.paymentId,
    status: 'SUCCEEDED',
    amountMinor: report.amountMinor,
    currency: report.currency,
    checkoutUrl: known?.checkoutUrl ?? null,
    paidAt: now,
    refundedAt: null,
    refundedMinor: 0,
    refunds: known?.refunds ?? [],
  };
}

function owedBack(order: Order, payment: Payment, reason: RefundReason, now: string): Payment {
  return withRefundOwed(payment, { refundId: refundIdFor(order.orderId, payment.paymentId, reason), amountMinor: payment.amountMinor, reason }, now);
}

export function paymentDecision(order: Order & StoredPayments, report: PaymentReport, now: string): PaymentDecision {
  const own = order.payment?.paymentId === report.paymentId ? order.payment : null;
  const awaiting = order.status === 'PENDING_PAYMENT' && !order.payment?.paidAt;

  if (report.type === 'payment.failed') {
    if (order.payment && !own) return { kind: 'ignore' }; // another payment's attempt
    if (!awaiting) {
      // The order stopped waiting; its payment (recorded or not yet: the stage may have lost a race) failed.
      if (own?.paidAt || (own && own.status !== 'PENDING')) return { kind: 'ignore' };
      const failed: Payment = own ? { ...own, status: 'FAILED' } : { ...captured(order, report, now), status: 'FAILED', paidAt: null };
      return { kind: 'record-failure', payment: failed };
    }
    const failed: Payment = { ...captured(order, report, now), status: 'FAILED', paidAt: null, amountMinor: order.totalMinor, currency: order.currency };
    return { kind: 'cancel', reason: 'PAYMENT_FAILED', payment: failed, refundOwed: false };
  }

  // A success already decided (it pays the order, or it is owed back) is never decided again.
  if (own?.paidAt || order.strayPayments?.some((p) => p.paymentId === report.paymentId)) return { kind: 'already-decided' };

  const payment = captured(order, report, now);
  if (awaiting) {
    if (report.amountMinor === order.totalMinor && report.currency === order.currency) return { kind: 'pay', payment };
    const refundOwed = report.amountMinor > 0;
    return { kind: 'cancel', reason: 'PAYMENT_FAILED', payment: refundOwed ? owedBack(order, payment, 'PAYMENT_MISMATCH', now) : payment, refundOwed };
  }
  // The order no longer awaits payment: cancelled or timed out (late), or paid by another payment (duplicate).
  const reason: RefundReason = order.payment?.paidAt ? 'DUPLICATE_PAYMENT' : 'LATE_PAYMENT';
  return { kind: 'refund', payment: owedBack(order, payment, reason, now), asOrderPayment: !order.payment?.paidAt };
}

/** The shortage report's fulfilment record when the order is cancelled for it. */
export function shortageFulfilment(items: { sku: string; missing: number }[]): Fulfilment {
  return { shortages: items, resolution: 'CANCEL_ORDER', backorderedSince: null };
}

/** An operator's partial refund (API.md `POST /ops/orders/{orderId}/refunds`), keyed by its Idempotency-Key. */
export interface PartialRefundRequest {
  amountMinor: number;
  reason: RefundReason;
  key: string;
  note?: string;
}

export type PartialRefundDecision = { kind: 'replay' } | { kind: 'refund'; payment: Payment };

/**
 * A partial refund of a captured payment, decided on the order as read: the same key
 * again is a replay (or, with another amount, a reused key); never more than what is
 * refundable (captured minus succeeded and pending refunds).
 */
export function partialRefundDecision(order: Order, request: PartialRefundRequest, now: string): PartialRefundDecision {
  const payment = order.payment;
  if (!payment?.paidAt) throw new DomainError('INVALID_STATE', 'The order has no captured payment to refund');
  const refundId = refundIdFor(order.orderId, payment.paymentId, `${request.reason}|${request.key}`);
  const earlier = payment.refunds.find((r) => r.refundId === refundId);
  if (earlier) {
    if (earlier.amountMinor !== request.amountMinor) throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a refund of another amount');
    return { kind: 'replay' };
  }
  const refundable = refundableMinor(payment);
  if (request.amountMinor > refundable) {
    throw new DomainError('REFUND_EXCEEDS_BALANCE', `At most ${refundable} can be refunded`, [{ requested: request.amountMinor, refundable }]);
  }
  return { kind: 'refund', payment: withRefundOwed(payment, { refundId, amountMinor: request.amountMinor, reason: request.reason, ...(request.note ? { note: request.note } : {}) }, now) };
}

export interface ShipAvailableDecision {
  stock: StockLine[];
  payment: Payment | null;
  items: OrderLine[];
  fulfilment: Fulfilment;
}

/**
 * SHIP_AVAILABLE: the missing units are written off (they left `sold`), refunded at
 * their line price (a SHORTAGE refund, at most what is refundable) and shown on their
 * lines as `refundedQuantity`; the rest ships. Null when nothing was found: the order
 * is cancelled instead (API.md).
 */
export function shipAvailableDecision(order: Order, shortages: { sku: string; missing: number }[], now: string): ShipAvailableDecision | null {
  const missing = new Map(shortages.map((s) => [s.sku, s.missing]));
  const lost = (line: OrderLine) => Math.min(missing.get(line.sku) ?? 0, line.quantity - (line.refundedQuantity ?? 0));
  if (!order.items.some((line) => line.quantity - (line.refundedQuantity ?? 0) - lost(line) > 0)) return null;
  const stock = onHomeShards(order, order.items.filter((line) => lost(line) > 0).map((line) => ({ sku: line.sku, quantity: 0, move: 'unsell', writtenOff: lost(line) })));
  const value = order.items.reduce((sum, line) => sum + lost(line) * line.unitPriceMinor, 0);
  const owed = order.payment ? Math.min(value, refundableMinor(order.payment)) : 0;
  const payment = order.payment && owed > 0 ? withRefundOwed(order.payment, { refundId: refundIdFor(order.orderId, order.payment.paymentId, 'SHORTAGE'), amountMinor: owed, reason: 'SHORTAGE' }, now) : (order.payment ?? null);
  return {
    stock,
    payment,
    items: order.items.map((line) => (lost(line) > 0 ? { ...line, refundedQuantity: (line.refundedQuantity ?? 0) + lost(line) } : line)),
    fulfilment: { shortages, resolution: 'SHIP_AVAILABLE', backorderedSince: null },
  };
}

export interface BackorderDecision {
  stock: StockLine[];
  backorder: Record<string, number>;
  fulfilment: Fulfilment;
}

/**
 * WAIT_FOR_RESTOCK: the missing units leave the stock (written off) and are owed to the
 * order (the products' `backordered`); restocks serve them, oldest order first.
 */
export function backorderDecision(order: Order, shortages: { sku: string; missing: number }[], now: string): BackorderDecision {
  const owed = Object.fromEntries(shortages.map((s) => [s.sku, Math.min(s.missing, order.items.find((l) => l.sku === s.sku)?.quantity ?? 0)]));
  return {
    stock: onHomeShards(order, Object.entries(owed).filter(([, m]) => m > 0).map(([sku, m]) => ({ sku, quantity: 0, move: 'unsell', writtenOff: m, backordered: m }))),
    backorder: owed,
    fulfilment: { shortages, resolution: 'WAIT_FOR_RESTOCK', backorderedSince: now },
  };
}
