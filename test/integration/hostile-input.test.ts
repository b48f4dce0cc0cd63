/**
 * Property-based: generated hostile bodies, query strings and path parameters thrown
 * at every route that takes them. Never a 5xx; every error is problem+json with an
 * API.md code; a rejected request leaves the stock as it was.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders } from '../helpers/webhooks.js';
import { DEFAULT_SECRETS } from '../../lib/local/stack.js';
import { SANDBOX_PAYMENTS, useLocalStack, type Reply } from '../helpers/local-stack.js';
import { ops, orderBody, pay, placeOrder, product, stockOf, warehouse } from '../helpers/shop.js';

const api = useLocalStack({ env: SANDBOX_PAYMENTS });
const API_CODES = [
  'VALIDATION_ERROR', 'UNAUTHENTICATED', 'INVALID_SIGNATURE', 'FORBIDDEN', 'NOT_FOUND', 'OUT_OF_STOCK', 'PRICE_CHANGED',
  'INVALID_STATE', 'IDEMPOTENCY_IN_PROGRESS', 'PAYLOAD_TOO_LARGE', 'UNKNOWN_SKU', 'IDEMPOTENCY_KEY_REUSED', 'CURRENCY_MISMATCH',
  'RETURN_WINDOW_CLOSED', 'RETURN_QUANTITY_EXCEEDED', 'REFUND_EXCEEDS_BALANCE',
];
const RUNS = 40;

let sku: string;
let pickingOrder: string;

beforeAll(async () => {
  sku = await product(api, 100);
  pickingOrder = (await placeOrder(api, 'fuzz-owner', [{ sku, quantity: 1 }])).body.orderId;
  await pay(api, 'fuzz-owner', pickingOrder);
});

function assertSane(reply: Reply, where: string) {
  expect(reply.status, where).toBeLessThan(500);
  if (reply.status >= 400) {
    expect(reply.headers.get('content-type'), where).toBe('application/problem+json');
    expect(API_CODES, where).toContain(reply.body.code);
    expect(reply.body.status, where).toBe(reply.status);
  }
}

/** JSON that looks almost right: valid bodies with one value swapped for something hostile. */
const hostileValue = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, false, -1, 0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, '', '__proto__', '{"$ne":null}', '<script>'),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.anything({ maxDepth: 1 }), { maxKeys: 5 }),
);

function mutate(body: Record<string, unknown>) {
  return fc.tuple(fc.constantFrom(...Object.keys(body), '__proto__', 'constructor', 'customerId', 'status', 'priceMinor'), hostileValue).map(([key, value]) => {
    const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
    Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    return JSON.stringify(copy);
  });
}

const rawBody = (valid: Record<string, unknown>) =>
  fc.oneof(
    mutate(valid),
    fc.anything({ maxDepth: 4 }).map((value) => JSON.stringify(value) ?? 'null'),
    fc.string({ maxLength: 200 }),
    fc.constantFrom('', '{', '[1,2', '{"a":1}}', 'null', '"string"', '1e999', '{"items": [{"sku": "A", "quantity": 1e400}]}'),
  );

describe('hostile bodies', () => {
  const cases: { name: string; method: string; path: () => string; valid: () => Record<string, unknown>; token: () => Promise<string | undefined>; headers?: () => Record<string, string>; stock?: boolean; money?: boolean }[] = [
    { name: 'POST /orders', method: 'POST', path: () => '/orders', valid: () => orderBody([{ sku, quantity: 1 }]), token: () => api.token('fuzzer'), headers: () => ({ 'idempotency-key': `fuzz-${Math.random()}` }), stock: true },
    { name: 'PUT /products/{sku}', method: 'PUT', path: () => `/products/FUZZ-${sku}`, valid: () => ({ name: 'x', priceMinor: 1, currency: 'CNY' }), token: () => ops(api) },
    { name: 'POST /products/{sku}/restock', method: 'POST', path: () => `/products/${sku}/restock`, valid: () => ({ quantity: 1 }), token: () => ops(api), stock: true },
    { name: 'POST /warehouse/tasks/{orderId}/shortage', method: 'POST', path: () => `/warehouse/tasks/${pickingOrder}/shortage`, valid: () => ({ items: [{ sku: 'NOT-IN-ORDER', missing: 1 }] }), token: () => warehouse(api), stock: true },
    { name: 'POST /warehouse/tasks/{orderId}/complete', method: 'POST', path: () => '/warehouse/tasks/ord_00000000000000000000000000/complete', valid: () => ({ packages: [{ weightGrams: 1 }] }), token: () => warehouse(api) },
    { name: 'POST /local/token', method: 'POST', path: () => '/local/token', valid: () => ({ sub: 'x', groups: ['ops'] }), token: async () => undefined },
    { name: 'POST /ops/orders/{orderId}/refunds', method: 'POST', path: () => `/ops/orders/${pickingOrder}/refunds`, valid: () => ({ amountMinor: 1, reason: 'GOODWILL' }), token: () => ops(api), headers: () => ({ 'idempotency-key': `fuzz-${Math.random()}` }), money: true },
    { name: 'POST /orders/{orderId}/returns', method: 'POST', path: () => `/orders/${pickingOrder}/returns`, valid: () => ({ items: [{ sku, quantity: 1, reason: 'OTHER' }] }), token: () => api.token('fuzz-owner'), headers: () => ({ 'idempotency-key': `fuzz-${Math.random()}` }), stock: true },
    { name: 'POST /warehouse/returns/{returnId}/receive', method: 'POST', path: () => '/warehouse/returns/ret_0123456789ABCDEF0123456789/receive', valid: () => ({ items: [{ sku, quantity: 1, condition: 'RESELLABLE' }] }), token: () => warehouse(api), stock: true },
  ];

  for (const c of cases) {
    it(`${c.name}: never a 5xx, always problem+json, stock untouched when rejected`, async () => {
      const token = await c.token();
      await fc.assert(
        fc.asyncProperty(rawBody(c.valid()), async (body) => {
          const before = c.stock ? await stockOf(api, sku) : null;
          const refunded = async () => (await api.request('GET', `/orders/${pickingOrder}`, { token: await ops(api) })).body.payment.refundedMinor;
          const moneyBefore = c.money ? await refunded() : null;
          const reply = await api.request(c.method, c.path(), { token, rawBody: body, headers: c.headers?.() });
          if (c.name === 'POST /local/token' && reply.status === 200) return; // a valid token request
          assertSane(reply, `${c.name} ${body.slice(0, 200)}`);
          if (before && reply.status >= 400) expect(await stockOf(api, sku)).toEqual(before);
          if (moneyBefore !== null && reply.status >= 400) expect(await refunded()).toBe(moneyBefore);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('signed webhook bodies that do not parse are 400, never a 5xx', async () => {
    const valid = { type: 'payment.succeeded', data: { paymentId: 'p', orderId: pickingOrder, amountMinor: 1, currency: 'CNY' } };
    await fc.assert(
      fc.asyncProperty(rawBody(valid), fc.constantFrom('payments', 'carriers'), async (body, kind) => {
        const secret = kind === 'payments' ? DEFAULT_SECRETS.PAYMENT_WEBHOOK_SECRET : DEFAULT_SECRETS.CARRIER_WEBHOOK_SECRET;
        const reply = await api.request('POST', `/webhooks/${kind}/sandbox`, { rawBody: body, headers: signedHeaders(secret, body) });
        assertSane(reply, `${kind} ${body.slice(0, 200)}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('garbage webhook headers are 401, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 100 }), fc.string({ maxLength: 30 }), fc.string({ maxLength: 200 }), async (id, timestamp, signature) => {
        const headers: Record<string, string> = {};
        // fetch refuses header values with control characters; keep what a client could send.
        const clean = (v: string) => v.replace(/[^\x20-\x7e]/g, '');
        if (clean(id)) headers['webhook-id'] = clean(id);
        if (clean(timestamp)) headers['webhook-timestamp'] = clean(timestamp);
        if (clean(signature)) headers['webhook-signature'] = clean(signature);
        const reply = await api.request('POST', '/webhooks/payments/sandbox', { rawBody: '{}', headers });
        assertSane(reply, JSON.stringify(headers));
        expect(reply.status).toBe(401);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('hostile paths and queries', () => {
  it('path parameters and query strings of any shape are 4xx, never a 5xx', async () => {
    const token = await ops(api);
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 120 }),
        fc.constantFrom('/products/{}', '/orders/{}', '/orders/{}/cancel', '/warehouse/tasks/{}/complete', '/orders?limit={}', '/orders?cursor={}', '/products?cursor={}&limit=2', '/ops/dead-letters/{}/redrive', '/ops/returns?status={}', '/ops/returns?cursor={}', '/ops/returns/{}/approve', '/orders/{}/returns'),
        async (value, template) => {
          const path = template.replace('{}', encodeURIComponent(value));
          const method = (template.startsWith('/orders/{}/') && !template.endsWith('/returns')) || template.includes('/complete') || template.includes('/redrive') || template.includes('/approve') ? 'POST' : 'GET';
          const reply = await api.request(method, path, { token });
          assertSane(reply, `${method} ${path}`);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('a cursor from another customer cannot read their orders', async () => {
    const mine = await api.request('GET', '/orders?limit=1', { token: await api.token('fuzz-owner') });
    expect(mine.body.items).toHaveLength(1);
    const other = await api.request('GET', '/orders?limit=1&cursor=' + encodeURIComponent(mine.body.nextCursor ?? 'eyJhIjoxfQ'), { token: await api.token('fuzz-other') });
    expect(other.status).toBeLessThan(500);
    if (other.status === 200) expect(other.body.items).toEqual([]);
  });
});
