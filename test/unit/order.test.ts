/** The order lifecycle rules, checked exhaustively and by property. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES, canTransition, hasReached, orderTotal, lineTotal, CANCELLABLE } from '../../functions/core/order.js';
import { createOrderBody } from '../../functions/core/schemas.js';
import { requestHash } from '../../functions/core/request-hash.js';

const LINE = ['PENDING_PAYMENT', 'PAID', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED', 'COMPLETED'] as const;

describe('status transitions', () => {
  it('only ever move forward; final statuses never move', () => {
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        if (!canTransition(from, to)) continue;
        expect(['COMPLETED', 'CANCELLED']).not.toContain(from);
        if (to !== 'CANCELLED') expect(LINE.indexOf(to)).toBeGreaterThan(LINE.indexOf(from as (typeof LINE)[number]));
      }
    }
  });

  it('allow cancellation only before packing, and receipt confirmation from SHIPPED', () => {
    expect(CANCELLABLE).toEqual(['PENDING_PAYMENT', 'PAID', 'PICKING']);
    expect(canTransition('PACKED', 'CANCELLED')).toBe(false);
    expect(canTransition('SHIPPED', 'COMPLETED')).toBe(true);
    expect(canTransition('PAID', 'COMPLETED')).toBe(false);
  });

  it('hasReached is a total order on the forward line', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LINE), fc.constantFrom(...LINE), (a, b) => {
        expect(hasReached(a, b)).toBe(LINE.indexOf(a) >= LINE.indexOf(b));
        expect(hasReached('CANCELLED', b)).toBe(false);
      }),
    );
  });
});

describe('money', () => {
  it('totals are the sum of quantity times unit price', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ q: fc.integer({ min: 1, max: 999 }), p: fc.integer({ min: 0, max: 1_000_000 }) }), { minLength: 1, maxLength: 50 }), (lines) => {
        const withTotals = lines.map(({ q, p }) => ({ lineTotalMinor: lineTotal(q, p) }));
        expect(orderTotal(withTotals)).toBe(lines.reduce((sum, { q, p }) => sum + q * p, 0));
      }),
    );
  });
});

describe('order requests', () => {
  const body = {
    items: [{ sku: 'A', quantity: 1, unitPriceMinor: 100 }],
    currency: 'CNY',
    shippingAddress: { name: 'n', phone: 'p', line1: 'l', city: 'c', postalCode: '1', country: 'CN' },
    paymentMethod: 'card',
  };

  it('reject unknown fields anywhere, duplicate SKUs and out-of-range quantities', () => {
    expect(createOrderBody().safeParse(body).success).toBe(true);
    expect(createOrderBody().safeParse({ ...body, customerId: 'x' }).success).toBe(false);
    expect(createOrderBody().safeParse({ ...body, items: [{ ...body.items[0], status: 'PAID' }] }).success).toBe(false);
    expect(createOrderBody().safeParse({ ...body, shippingAddress: { ...body.shippingAddress, extra: 1 } }).success).toBe(false);
    expect(createOrderBody().safeParse({ ...body, items: [body.items[0], body.items[0]] }).success).toBe(false);
    expect(createOrderBody().safeParse({ ...body, items: [{ ...body.items[0], quantity: 1000 }] }).success).toBe(false);
  });

  it('hash the same regardless of key order, and differently for another body', () => {
    const reordered = { paymentMethod: 'card', shippingAddress: body.shippingAddress, currency: 'CNY', items: body.items };
    expect(requestHash(reordered)).toBe(requestHash(body));
    expect(requestHash({ ...body, currency: 'USD' })).not.toBe(requestHash(body));
  });
});
