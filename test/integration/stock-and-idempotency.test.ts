/** Stock is never oversold, reservations are all-or-nothing, and Idempotency-Key holds under concurrency. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../helpers/local-stack.js';
import { orderBody, placeOrder, product, stockOf } from '../helpers/shop.js';

const api = useLocalStack();

describe('stock reservation', () => {
  it('100 concurrent one-unit orders against stock 25 create exactly 25 orders', async () => {
    const sku = await product(api, 25);
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => placeOrder(api, `buyer-${i % 10}`, [{ sku, quantity: 1 }])));
    const created = replies.filter((r) => r.status === 201);
    const refused = replies.filter((r) => r.status === 409);
    expect(created).toHaveLength(25);
    expect(refused).toHaveLength(75);
    for (const reply of refused) {
      expect(reply.headers.get('content-type')).toBe('application/problem+json');
      expect(reply.body.code).toBe('OUT_OF_STOCK');
      expect(reply.body.errors).toEqual([{ sku, requested: 1, available: 0 }]);
    }
    expect(new Set(created.map((r) => r.body.orderId)).size).toBe(25);
    expect(await stockOf(api, sku)).toEqual({ available: 0, reserved: 25, sold: 0 });
  });

  it('concurrent multi-line orders never leave a partial reservation', async () => {
    const a = await product(api, 10);
    const b = await product(api, 4);
    // Each order wants 2 of A and 1 of B: B runs out after 4 orders while A could serve 5.
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => placeOrder(api, `multi-${i}`, [{ sku: a, quantity: 2 }, { sku: b, quantity: 1 }])));
    const created = replies.filter((r) => r.status === 201).length;
    expect(created).toBe(4);
    for (const reply of replies.filter((r) => r.status !== 201)) {
      expect(reply.status).toBe(409);
      expect(reply.body.code).toBe('OUT_OF_STOCK');
      expect(reply.body.errors).toContainEqual({ sku: b, requested: 1, available: 0 });
    }
    expect(await stockOf(api, a)).toEqual({ available: 10 - 2 * created, reserved: 2 * created, sold: 0 });
    expect(await stockOf(api, b)).toEqual({ available: 0, reserved: 4, sold: 0 });
  });

  it('names every line that lacks stock and reserves nothing', async () => {
    const a = await product(api, 1);
    const b = await product(api, 5);
    const c = await product(api, 0);
    const reply = await placeOrder(api, 'dave', [{ sku: a, quantity: 3 }, { sku: b, quantity: 2 }, { sku: c, quantity: 1 }]);
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ status: 409, code: 'OUT_OF_STOCK', detail: '2 of 3 line(s) cannot be reserved' });
    expect(reply.body.errors).toEqual([
      { sku: a, requested: 3, available: 1 },
      { sku: c, requested: 1, available: 0 },
    ]);
    expect(await stockOf(api, a)).toEqual({ available: 1, reserved: 0, sold: 0 });
    expect(await stockOf(api, b)).toEqual({ available: 5, reserved: 0, sold: 0 });
  });

  it('prices from the catalog: unknown SKUs, changed prices and other currencies are refused', async () => {
    const sku = await product(api, 5, 1999);
    const usd = await product(api, 5, 500, 'USD');
    const unknown = await placeOrder(api, 'erin', [{ sku: 'NO-SUCH-SKU', quantity: 1 }]);
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'UNKNOWN_SKU', errors: [{ sku: 'NO-SUCH-SKU' }] });
    const repriced = await placeOrder(api, 'erin', [{ sku, quantity: 1, unitPriceMinor: 1499 }]);
    expect(repriced.status).toBe(409);
    expect(repriced.body).toMatchObject({ code: 'PRICE_CHANGED', errors: [{ sku, expected: 1999, actual: 1499 }] });
    const mismatch = await placeOrder(api, 'erin', [{ sku: usd, quantity: 1, unitPriceMinor: 500 }]);
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.code).toBe('CURRENCY_MISMATCH');
    expect(await stockOf(api, sku)).toEqual({ available: 5, reserved: 0, sold: 0 });
  });

  it('a price or currency changed a moment ago is caught by the reservation itself, and the new one is taken at once', async () => {
    const sku = await product(api, 5, 1999);
    const ops = await api.token('pricing-ops', ['ops']);
    // The orders function has just read the product (it prices the next orders from that read for a moment).
    expect((await placeOrder(api, 'fay', [{ sku, quantity: 1 }])).status).toBe(201);
    expect((await api.request('PUT', `/products/${sku}`, { token: ops, body: { name: 'Tea', priceMinor: 2499, currency: 'CNY' } })).status).toBe(200);
    const stale = await placeOrder(api, 'fay', [{ sku, quantity: 1, unitPriceMinor: 1999 }]);
    expect([stale.status, stale.body.code, stale.body.errors]).toEqual([409, 'PRICE_CHANGED', [{ sku, expected: 2499, actual: 1999 }]]);
    const current = await placeOrder(api, 'fay', [{ sku, quantity: 1, unitPriceMinor: 2499 }]);
    expect(current.status).toBe(201);
    expect(current.body.items[0]).toMatchObject({ unitPriceMinor: 2499, lineTotalMinor: 2499 });
    expect((await api.request('PUT', `/products/${sku}`, { token: ops, body: { name: 'Tea', priceMinor: 2499, currency: 'USD' } })).status).toBe(200);
    const otherCurrency = await placeOrder(api, 'fay', [{ sku, quantity: 1, unitPriceMinor: 2499 }]);
    expect([otherCurrency.status, otherCurrency.body.code]).toEqual([422, 'CURRENCY_MISMATCH']);
    // Two orders reserved; the refused ones took nothing.
    expect(await stockOf(api, sku)).toEqual({ available: 3, reserved: 2, sold: 0 });
  });

  it('a product made a moment ago can be ordered at once', async () => {
    // Asked for before it exists (the refusal is read consistently, and nothing of it is kept).
    const sku = `NEW-${randomUUID().slice(0, 8)}`;
    expect((await placeOrder(api, 'gil', [{ sku, quantity: 1 }])).body.code).toBe('UNKNOWN_SKU');
    const ops = await api.token('pricing-ops', ['ops']);
    await api.request('PUT', `/products/${sku}`, { token: ops, body: { name: 'New tea', priceMinor: 1999, currency: 'CNY' } });
    await api.request('POST', `/products/${sku}/restock`, { token: ops, body: { quantity: 2 } });
    expect((await placeOrder(api, 'gil', [{ sku, quantity: 1 }])).status).toBe(201);
  });
});

describe('Idempotency-Key', () => {
  it('sequential retries with one key give one order', async () => {
    const sku = await product(api, 5);
    const key = randomUUID();
    const first = await placeOrder(api, 'frank', [{ sku, quantity: 1 }], key);
    const second = await placeOrder(api, 'frank', [{ sku, quantity: 1 }], key);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.orderId).toBe(first.body.orderId);
    expect(await stockOf(api, sku)).toEqual({ available: 4, reserved: 1, sold: 0 });
  });

  it('10 concurrent requests with one key give one order', async () => {
    const sku = await product(api, 20);
    const key = randomUUID();
    const replies = await Promise.all(Array.from({ length: 10 }, () => placeOrder(api, 'grace', [{ sku, quantity: 2 }], key)));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(replies.map((r) => r.body.orderId)).size).toBe(1);
    expect(replies.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    expect(await stockOf(api, sku)).toEqual({ available: 18, reserved: 2, sold: 0 });
  });

  it('the same key with another body is 422 and reserves nothing more', async () => {
    const sku = await product(api, 5);
    const key = randomUUID();
    expect((await placeOrder(api, 'heidi', [{ sku, quantity: 1 }], key)).status).toBe(201);
    const reused = await placeOrder(api, 'heidi', [{ sku, quantity: 2 }], key);
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await stockOf(api, sku)).toEqual({ available: 4, reserved: 1, sold: 0 });
  });

  it('keys are scoped to the customer', async () => {
    const sku = await product(api, 5);
    const key = randomUUID();
    const ivan = await placeOrder(api, 'ivan', [{ sku, quantity: 1 }], key);
    const judy = await placeOrder(api, 'judy', [{ sku, quantity: 1 }], key);
    expect(judy.status).toBe(201);
    expect(judy.body.orderId).not.toBe(ivan.body.orderId);
  });

  it('is required, and must be visible ASCII', async () => {
    const sku = await product(api, 5);
    const token = await api.token('kim');
    const missing = await api.request('POST', '/orders', { token, body: orderBody([{ sku, quantity: 1 }]) });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('VALIDATION_ERROR');
    const tooLong = await api.request('POST', '/orders', { token, body: orderBody([{ sku, quantity: 1 }]), headers: { 'idempotency-key': 'k'.repeat(256) } });
    expect(tooLong.status).toBe(400);
    expect(await stockOf(api, sku)).toEqual({ available: 5, reserved: 0, sold: 0 });
  });
});
