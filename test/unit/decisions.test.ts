/** The decisions, pure: money and stock arithmetic by property, and the payment verdicts case by case. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cancellationDecision, paymentDecision, refundIdFor, type PaymentReport } from '../../functions/core/decisions.js';
import { MAX_ORDER_TOTAL_MINOR, paidStatus, refundableMinor, withRefundOwed, withRefundSucceeded, type Payment } from '../../functions/core/money.js';
import type { Order, OrderStatus } from '../../functions/core/order.js';
import { acceptsAttempts, AlreadyPaid, attempted, closed, newPayment } from '../../functions/sandbox/model.js';

const NOW = '2026-11-28T00:00:00.000Z';

function order(status: OrderStatus, payment: Payment | null = null, quantities = [2, 1]): Order {
  const items = quantities.map((quantity, i) => ({ sku: `S-${i}`, name: 'Tea', quantity, unitPriceMinor: 100, lineTotalMinor: 100 * quantity }));
  return {
    orderId: 'ord_01M8EY277797FXEJ05DACP22ZZ', customerId: 'c', status, items, currency: 'CNY',
    totalMinor: items.reduce((sum, l) => sum + l.lineTotalMinor, 0), shippingAddress: { name: 'n', phone: 'p', line1: 'l', city: 'c', postalCode: '1', country: 'CN' },
    paymentMethod: 'alipay', payment, shipment: null, cancellation: null, fulfilment: null, paymentDeadline: NOW, history: [], createdAt: NOW, updatedAt: NOW,
  };
}

function payment(changes: Partial<Payment> = {}): Payment {
  return { provider: 'sandbox', paymentId: 'pay_1', status: 'PENDING', amountMinor: 300, currency: 'CNY', checkoutUrl: null, paidAt: null, refundedAt: null, refundedMinor: 0, refunds: [], ...changes };
}
const paid = (changes: Partial<Payment> = {}) => payment({ status: 'SUCCEEDED', paidAt: NOW, ...changes });
const report = (changes: Partial<PaymentReport> = {}): PaymentReport => ({ type: 'payment.succeeded', provider: 'sandbox', paymentId: 'pay_1', amountMinor: 300, currency: 'CNY', ...changes });

describe('payment decisions', () => {
  it('pays an order awaiting payment with its exact amount', () => {
    expect(paymentDecision(order('PENDING_PAYMENT', payment()), report(), NOW)).toMatchObject({ kind: 'pay', payment: { status: 'SUCCEEDED', paidAt: NOW } });
  });

  it('never refunds the payment that paid the order, whatever the order does next', () => {
    for (const status of ['PAID', 'PICKING', 'PACKED', 'SHIPPED', 'COMPLETED', 'CANCELLED'] as const) {
      expect(paymentDecision(order(status, paid()), report(), NOW).kind).toBe('already-decided');
    }
  });

  it('owes back a late payment and a second payment, each under its own idempotency key', () => {
    const late = paymentDecision(order('CANCELLED', payment()), report(), NOW);
    expect(late).toMatchObject({ kind: 'refund', asOrderPayment: true, payment: { refunds: [{ reason: 'LATE_PAYMENT', amountMinor: 300, status: 'PENDING' }] } });
    const second = paymentDecision(order('PICKING', paid()), report({ paymentId: 'pay_2' }), NOW);
    expect(second).toMatchObject({ kind: 'refund', asOrderPayment: false, payment: { paymentId: 'pay_2', refunds: [{ reason: 'DUPLICATE_PAYMENT' }] } });
    expect(refundIdFor('o', 'pay_1', 'LATE_PAYMENT')).not.toBe(refundIdFor('o', 'pay_2', 'LATE_PAYMENT'));
    expect(refundIdFor('o', 'pay_1', 'LATE_PAYMENT')).toMatch(/^rf_[0-9a-f]{32}$/);
  });

  it('cancels on a wrong amount or currency and owes back what was captured', () => {
    expect(paymentDecision(order('PENDING_PAYMENT', payment()), report({ amountMinor: 301 }), NOW)).toMatchObject({
      kind: 'cancel', reason: 'PAYMENT_FAILED', refundOwed: true, payment: { amountMinor: 301, refunds: [{ reason: 'PAYMENT_MISMATCH', amountMinor: 301 }] },
    });
    expect(paymentDecision(order('PENDING_PAYMENT', payment()), report({ currency: 'USD' }), NOW)).toMatchObject({ kind: 'cancel', refundOwed: true });
  });

  it('a failure cancels only an order still awaiting payment; later it is only recorded', () => {
    expect(paymentDecision(order('PENDING_PAYMENT', payment()), report({ type: 'payment.failed' }), NOW)).toMatchObject({ kind: 'cancel', refundOwed: false, payment: { status: 'FAILED' } });
    expect(paymentDecision(order('CANCELLED', payment()), report({ type: 'payment.failed' }), NOW)).toMatchObject({ kind: 'record-failure', payment: { status: 'FAILED' } });
    expect(paymentDecision(order('CANCELLED'), report({ type: 'payment.failed' }), NOW)).toMatchObject({ kind: 'record-failure', payment: { paymentId: 'pay_1', status: 'FAILED', paidAt: null } });
    expect(paymentDecision(order('PAID', paid()), report({ type: 'payment.failed' }), NOW).kind).toBe('ignore');
  });
});

describe('cancellation decisions', () => {
  it('release unpaid stock, return paid stock except missing units, and owe back what is refundable', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<OrderStatus>('PENDING_PAYMENT', 'PAID', 'PICKING', 'PACKED'),
        fc.array(fc.integer({ min: 1, max: 999 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 0, max: 999 }), { maxLength: 5 }),
        fc.integer({ min: 0, max: 300 }),
        fc.array(fc.integer({ min: 0, max: 999 }), { maxLength: 5 }),
        (status, quantities, missingList, alreadyRefunded, writtenOffBefore) => {
          const isPaid = status !== 'PENDING_PAYMENT';
          const before = order(status, isPaid ? paid({ refundedMinor: alreadyRefunded, refunds: alreadyRefunded ? [{ refundId: 'rf_x', amountMinor: alreadyRefunded, reason: 'GOODWILL', status: 'SUCCEEDED', createdAt: NOW, completedAt: NOW }] : [] }) : payment(), quantities);
          // A PACKED order may have shipped what was found: a SHIP_AVAILABLE shortage wrote the rest off (`refundedQuantity`).
          const shortBefore = quantities.map((q, i) => (status === 'PACKED' ? Math.min(q, writtenOffBefore[i] ?? 0) : 0));
          before.items = before.items.map((line, i) => (shortBefore[i] ? { ...line, refundedQuantity: shortBefore[i] } : line));
          const missing = Object.fromEntries(missingList.map((m, i) => [`S-${i}`, m]));
          const decision = cancellationDecision(before, NOW, missing);
          for (const [i, line] of decision.stock.entries()) {
            // Every unit the order still holds goes somewhere, once; units written off before are not moved again.
            expect(line.quantity + (line.writtenOff ?? 0)).toBe(quantities[i]! - shortBefore[i]!);
            expect(line.quantity).toBeGreaterThanOrEqual(0);
            expect(line.move).toBe(isPaid ? 'unsell' : 'release');
            if (!isPaid) expect(line.writtenOff ?? 0).toBe(0);
          }
          const owed = decision.payment?.refunds.filter((r) => r.status === 'PENDING') ?? [];
          expect(owed.reduce((sum, r) => sum + r.amountMinor, 0)).toBe(isPaid ? 300 - alreadyRefunded : 0);
          expect(decision.refundOwed).toBe(owed.length > 0);
        },
      ),
    );
  });
});

describe('closing an unpaid payment', () => {
  it('is recorded CLOSED by the cancellation that follows it; a paid payment is never marked closed', () => {
    expect(cancellationDecision(order('PENDING_PAYMENT', payment()), NOW, {}, true).payment).toMatchObject({ status: 'CLOSED', paidAt: null });
    expect(cancellationDecision(order('PENDING_PAYMENT', payment()), NOW).payment).toMatchObject({ status: 'PENDING' });
    expect(cancellationDecision(order('PAID', paid()), NOW, {}, true).payment).toMatchObject({ status: 'SUCCEEDED', refunds: [{ reason: 'ORDER_CANCELLED' }] });
  });

  it('at the sandbox provider: an unpaid payment closes and can no longer be paid; a paid one refuses to close', () => {
    const open = newPayment({ orderId: 'o', amountMinor: 100, currency: 'CNY' }, 'http://x');
    const shut = closed(open);
    expect(shut.status).toBe('CLOSED');
    expect(closed(shut)).toBe(shut);
    expect(acceptsAttempts(shut)).toBe(false);
    expect(attempted(shut, 'succeed').status).toBe('CLOSED');
    expect(() => closed(attempted(open, 'succeed'))).toThrow(AlreadyPaid);
    expect(closed(attempted(open, 'fail')).status).toBe('CLOSED');
  });
});

describe('money', () => {
  it('refunds never exceed what was captured, and the status follows the refunded amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_ORDER_TOTAL_MINOR }), fc.array(fc.integer({ min: 1, max: MAX_ORDER_TOTAL_MINOR }), { maxLength: 6 }), (amount, asks) => {
        let p = paid({ amountMinor: amount });
        for (const [i, ask] of asks.entries()) {
          const owed = Math.min(ask, refundableMinor(p));
          p = withRefundOwed(p, { refundId: `rf_${i}`, amountMinor: owed, reason: 'GOODWILL' }, NOW);
          p = withRefundSucceeded(p, `rf_${i}`, NOW);
          // The same refund again changes nothing.
          expect(withRefundSucceeded(p, `rf_${i}`, NOW)).toEqual(p);
          expect(p.refundedMinor).toBeLessThanOrEqual(p.amountMinor);
          expect(refundableMinor(p)).toBe(p.amountMinor - p.refundedMinor);
          expect(p.status).toBe(paidStatus(p));
        }
      }),
    );
    expect(Number.isSafeInteger(MAX_ORDER_TOTAL_MINOR)).toBe(true);
  });
});
