/** The contract's edges: authentication, roles, validation, sizes and the catalog. */
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../helpers/local-stack.js';
import { orderBody, product } from '../helpers/shop.js';

const api = useLocalStack({}, { validateResponses: true });

function expectProblem(reply: { status: number; headers: Headers; body: any }, status: number, code: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toBe('application/problem+json');
  expect(reply.body).toMatchObject({ type: 'about:blank', status, code });
}

describe('authentication and roles', () => {
  it('answers 401 without a token or with a forged one, and 403 for the wrong role', async () => {
    // The JWT authorizer answers these itself, with API Gateway's body.
    expect(await api.request('GET', '/orders')).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
    const token = await api.token('zed');
    const forged = `${token.slice(0, -4)}AAAA`;
    expect(await api.request('GET', '/orders', { token: forged })).toMatchObject({ status: 401, body: { message: 'Unauthorized' } });
    expectProblem(await api.request('PUT', '/products/X-1', { token, body: { name: 'x', priceMinor: 1, currency: 'CNY' } }), 403, 'FORBIDDEN');
    expectProblem(await api.request('GET', '/warehouse/tasks', { token }), 403, 'FORBIDDEN');
    const ops = await api.token('operator-1', ['ops']);
    expect((await api.request('GET', '/warehouse/tasks', { token: ops })).status).toBe(200);
    expectProblem(await api.request('POST', '/warehouse/tasks/ord_01M8EY277797FXEJ05DACP22ZZ/complete', { token: ops }), 403, 'FORBIDDEN');
  });
});

describe('validation', () => {
  it('rejects unknown fields, malformed JSON, bad path parameters and oversized bodies', async () => {
    const token = await api.token('zed');
    const headers = { 'idempotency-key': 'v-1' };
    const sku = await product(api, 5);
    const unknown = await api.request('POST', '/orders', { token, headers, body: { ...orderBody([{ sku, quantity: 1 }]), customerId: 'someone-else' } });
    expectProblem(unknown, 400, 'VALIDATION_ERROR');
    expect(unknown.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringContaining('body') })]));
    expectProblem(await api.request('POST', '/orders', { token, headers, rawBody: '{"items": [' }), 400, 'VALIDATION_ERROR');
    expectProblem(await api.request('GET', '/orders/not-an-order-id', { token }), 400, 'VALIDATION_ERROR');
    expectProblem(await api.request('GET', '/orders?limit=500', { token }), 400, 'VALIDATION_ERROR');
    expectProblem(await api.request('GET', '/products?cursor=garbage', {}), 400, 'VALIDATION_ERROR');
    const big = { ...orderBody([{ sku, quantity: 1 }]), padding: 'x'.repeat(70 * 1024) };
    expectProblem(await api.request('POST', '/orders', { token, headers, body: big }), 413, 'PAYLOAD_TOO_LARGE');
    expectProblem(await api.request('GET', '/products/NO-SUCH'), 404, 'NOT_FOUND');
    const stock = await api.request('GET', `/products/${sku}`, { token: await api.token('operator-1', ['ops']) });
    expect(stock.body).toMatchObject({ available: 5, reserved: 0, sold: 0 });
  });
});

describe('catalog', () => {
  it('pages products and shows reserved and sold to ops only', async () => {
    for (let i = 0; i < 3; i++) await product(api, 1);
    const first = await api.request('GET', '/products?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0]).not.toHaveProperty('reserved');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api.request('GET', `/products?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].sku).not.toBe(first.body.items[0].sku);
    const asOps = await api.request('GET', '/products?limit=1', { token: await api.token('operator-1', ['ops']) });
    expect(asOps.body.items[0]).toHaveProperty('reserved');
    expect(asOps.body.items[0]).toHaveProperty('sold');
    const restock = await api.request('POST', `/products/${first.body.items[0].sku}/restock`, { token: await api.token('operator-1', ['ops']), body: { quantity: 0 } });
    expectProblem(restock, 400, 'VALIDATION_ERROR');
  });
});
