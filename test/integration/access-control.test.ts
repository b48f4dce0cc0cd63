/**
 * Authentication and authorization on every route: bad tokens of every kind are 401,
 * roles are enforced per route (403), and orders are visible to their owner and ops
 * only (404 for anyone else, exactly like a missing order).
 */
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { httpFunctions } from '../../lib/topology.js';
import { eventually, useLocalStack } from '../helpers/local-stack.js';
import { ADDRESS, deliver, ops, orderBody, pay, pickAndShip, placeOrder, product, warehouse } from '../helpers/shop.js';

const api = useLocalStack();
type Principal = 'none' | 'owner' | 'other' | 'warehouse' | 'ops';
type Expect = 'allow' | 401 | 403 | 404 | 'signature';
const PRINCIPALS: Principal[] = ['none', 'owner', 'other', 'warehouse', 'ops'];

/** Every route of the topology, with what each kind of caller gets. */
const MATRIX: Record<string, Record<Principal, Expect>> = {
  'GET /health': { none: 'allow', owner: 'allow', other: 'allow', warehouse: 'allow', ops: 'allow' },
  'GET /products': { none: 'allow', owner: 'allow', other: 'allow', warehouse: 'allow', ops: 'allow' },
  'GET /products/{sku}': { none: 'allow', owner: 'allow', other: 'allow', warehouse: 'allow', ops: 'allow' },
  'PUT /products/{sku}': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'POST /products/{sku}/restock': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'POST /orders': { none: 401, owner: 'allow', other: 'allow', warehouse: 'allow', ops: 'allow' },
  'GET /orders': { none: 401, owner: 'allow', other: 'allow', warehouse: 'allow', ops: 'allow' },
  'GET /orders/{orderId}': { none: 401, owner: 'allow', other: 404, warehouse: 404, ops: 'allow' },
  'POST /orders/{orderId}/confirm-receipt': { none: 401, owner: 'allow', other: 404, warehouse: 404, ops: 404 },
  'POST /orders/{orderId}/cancel': { none: 401, owner: 'allow', other: 404, warehouse: 404, ops: 'allow' },
  'POST /webhooks/payments/{provider}': { none: 'signature', owner: 'signature', other: 'signature', warehouse: 'signature', ops: 'signature' },
  'POST /webhooks/carriers/{carrier}': { none: 'signature', owner: 'signature', other: 'signature', warehouse: 'signature', ops: 'signature' },
  'GET /warehouse/tasks': { none: 401, owner: 403, other: 403, warehouse: 'allow', ops: 'allow' },
  'POST /warehouse/tasks/{orderId}/complete': { none: 401, owner: 403, other: 403, warehouse: 'allow', ops: 403 },
  'POST /warehouse/tasks/{orderId}/shortage': { none: 401, owner: 403, other: 403, warehouse: 'allow', ops: 403 },
  'GET /ops/dead-letters': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'POST /ops/dead-letters/{stage}/redrive': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'POST /ops/reconcile': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'POST /ops/orders/{orderId}/refunds': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'POST /orders/{orderId}/returns': { none: 401, owner: 'allow', other: 404, warehouse: 404, ops: 404 },
  'GET /orders/{orderId}/returns': { none: 401, owner: 'allow', other: 404, warehouse: 404, ops: 'allow' },
  'POST /ops/returns/{returnId}/approve': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'POST /ops/returns/{returnId}/reject': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'GET /ops/returns': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'GET /warehouse/returns': { none: 401, owner: 403, other: 403, warehouse: 'allow', ops: 'allow' },
  'POST /warehouse/returns/{returnId}/receive': { none: 401, owner: 403, other: 403, warehouse: 'allow', ops: 403 },
  'POST /ops/webhook-endpoints': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'GET /ops/webhook-endpoints': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'DELETE /ops/webhook-endpoints/{endpointId}': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'GET /ops/webhook-endpoints/{endpointId}/deliveries': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'POST /ops/webhook-endpoints/{endpointId}/deliveries/{eventId}/retry': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'GET /ops/reports/daily': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'GET /ops/reports/daily.csv': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'GET /ops/orders': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'GET /ops/orders/export.csv': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'GET /ops/orders/{orderId}/timeline': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'GET /ops/stuck-orders': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'POST /ops/orders/{orderId}/cancel': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'POST /ops/orders/{orderId}/retry': { none: 401, owner: 403, other: 403, warehouse: 403, ops: 'allow' },
  'GET /openapi.json': { none: 'allow', owner: 'allow', other: 'allow', warehouse: 'allow', ops: 'allow' },
  'GET /docs': { none: 'allow', owner: 'allow', other: 'allow', warehouse: 'allow', ops: 'allow' },
  'GET /docs/{asset}': { none: 'allow', owner: 'allow', other: 'allow', warehouse: 'allow', ops: 'allow' },
};
const ROUTES = httpFunctions.flatMap((fn) => fn.routes.map((r) => ({ key: `${r.method} ${r.path}`, method: r.method, path: r.path, auth: r.auth })));

let sku: string;
let orderId: string;
let returnId: string;
let endpointId: string;
let eventId: string;
let tokens: Record<Exclude<Principal, 'none'>, string>;

beforeAll(async () => {
  tokens = { owner: await api.token('owner'), other: await api.token('other'), warehouse: await warehouse(api), ops: await ops(api) };
  // A webhook endpoint (nobody listens there) with a delivery, for the event routes.
  const endpoint = await api.request('POST', '/ops/webhook-endpoints', { token: tokens.ops, body: { url: 'http://127.0.0.1:9/matrix', events: ['order.created'] } });
  endpointId = endpoint.body.endpointId;
  sku = await product(api, 50);
  orderId = (await placeOrder(api, 'owner', [{ sku, quantity: 1 }])).body.orderId;
  eventId = await eventually(async () => (await api.request('GET', `/ops/webhook-endpoints/${endpointId}/deliveries`, { token: tokens.ops })).body.items[0]?.eventId, 10_000, 'a delivery');
  // A delivered order of the owner's with a return, for the return routes.
  const returned = (await placeOrder(api, 'owner', [{ sku, quantity: 1 }])).body.orderId;
  await pay(api, 'owner', returned);
  const shipped = await pickAndShip(api, 'owner', returned);
  await deliver(api, 'owner', returned, shipped.shipment.trackingNumber);
  const requested = await api.request('POST', `/orders/${returned}/returns`, { token: tokens.owner, headers: { 'idempotency-key': 'matrix-return' }, body: { items: [{ sku, quantity: 1, reason: 'OTHER' }] } });
  returnId = requested.body.returnId;
});

function concrete(path: string): string {
  return path.replace('{sku}', sku).replace('{orderId}', orderId).replace('{provider}', 'sandbox').replace('{carrier}', 'sandbox').replace('{stage}', 'payment').replace('{returnId}', returnId).replace('{asset}', 'init.js').replace('{endpointId}', endpointId).replace('{eventId}', eventId);
}

function bodyFor(key: string): unknown {
  if (key === 'PUT /products/{sku}') return { name: 'Tea', priceMinor: 1999, currency: 'CNY' };
  if (key.endsWith('/restock')) return { quantity: 1 };
  if (key === 'POST /orders') return orderBody([{ sku, quantity: 1 }]);
  if (key.endsWith('/shortage')) return { items: [{ sku, missing: 1 }] };
  if (key.endsWith('/refunds')) return { amountMinor: 1, reason: 'GOODWILL' };
  if (key === 'POST /orders/{orderId}/returns') return { items: [{ sku, quantity: 1, reason: 'OTHER' }] };
  if (key.endsWith('/receive')) return { items: [{ sku, quantity: 1, condition: 'RESELLABLE' }] };
  if (key.endsWith('/approve') || key.endsWith('/reject')) return {};
  if (key === 'POST /ops/webhook-endpoints') return { url: 'http://127.0.0.1:9/other', events: ['*'] };
  return undefined;
}

/** What API Gateway's JWT authorizer answers for a missing or bad token (API.md). */
const GATEWAY_UNAUTHORIZED = { message: 'Unauthorized' };

describe('the route table', () => {
  it('covers every route the topology declares', () => {
    expect(ROUTES.map((r) => r.key).sort()).toEqual(Object.keys(MATRIX).sort());
  });
});

describe('authorization matrix', () => {
  for (const principal of PRINCIPALS) {
    it(`enforces roles and ownership for ${principal}`, async () => {
      for (const route of ROUTES) {
        const expected = MATRIX[route.key]![principal];
        const reply = await api.request(route.method, concrete(route.path), {
          token: principal === 'none' ? undefined : tokens[principal],
          body: bodyFor(route.key),
          headers: route.key === 'POST /orders' || route.key.endsWith('/refunds') || route.key.endsWith('/returns') ? { 'idempotency-key': `matrix-${principal}` } : {},
        });
        const where = `${route.key} as ${principal} -> ${reply.status} ${JSON.stringify(reply.body).slice(0, 120)}`;
        expect(reply.status, where).toBeLessThan(500);
        if (expected === 'allow') {
          expect([401, 403, 404], where).not.toContain(reply.status);
        } else if (expected === 'signature') {
          expect(reply.status, where).toBe(401);
          expect(reply.body.code, where).toBe('INVALID_SIGNATURE');
        } else if (expected === 401 && route.auth === 'jwt') {
          // The JWT authorizer refuses before any function runs, with API Gateway's own body.
          expect(reply.status, where).toBe(401);
          expect(reply.body, where).toEqual(GATEWAY_UNAUTHORIZED);
        } else {
          expect(reply.status, where).toBe(expected);
          expect(reply.headers.get('content-type'), where).toBe('application/problem+json');
          expect(reply.body.code, where).toBe({ 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' }[expected]);
        }
      }
    });
  }

  it('answers another customer exactly as for a missing order', async () => {
    const missing = await api.request('GET', '/orders/ord_00000000000000000000000000', { token: tokens.other });
    const foreign = await api.request('GET', `/orders/${orderId}`, { token: tokens.other });
    expect(foreign.status).toBe(missing.status);
    expect(Object.keys(foreign.body).sort()).toEqual(Object.keys(missing.body).sort());
    expect(foreign.body.title).toBe(missing.body.title);
  });
});

describe('personal data by role', () => {
  it('the warehouse sees what to pick, never who it is for or where it goes', async () => {
    const { body } = await placeOrder(api, 'addressee', [{ sku, quantity: 1 }]);
    await pay(api, 'addressee', body.orderId);
    const tasks = await api.request('GET', '/warehouse/tasks', { token: tokens.warehouse });
    expect(tasks.body.items.map((t: { orderId: string }) => t.orderId)).toContain(body.orderId);
    const text = JSON.stringify(tasks.body);
    for (const value of [ADDRESS.name, ADDRESS.phone, ADDRESS.line1, ADDRESS.postalCode]) expect(text).not.toContain(value);
    const asOps = await api.request('GET', `/orders/${body.orderId}`, { token: tokens.ops });
    expect(asOps.body.shippingAddress).toEqual(ADDRESS);
  });
});

describe('authentication', () => {
  const protectedRoutes = ROUTES.filter((r) => r.auth === 'jwt');

  async function badTokens(): Promise<Record<string, string>> {
    const { issuer, audience } = { issuer: `${api.url}/local`, audience: 'orders-local' };
    const now = Math.floor(Date.now() / 1000);
    const base = { sub: 'mallory', 'cognito:groups': ['ops'], iss: issuer, aud: audience, iat: now, exp: now + 600 };
    const stranger = await generateKeyPair('RS256');
    const strangerJwk = await exportJWK(stranger.publicKey);
    const real = await api.token('mallory', ['ops']);
    const [header, , signature] = real.split('.');
    return {
      'wrong signature (another key, same kid)': await new SignJWT(base).setProtectedHeader({ alg: 'RS256', kid: 'local-1' }).sign(stranger.privateKey),
      'alg none': new UnsecuredJWT(base).encode(),
      'tampered payload': `${header}.${Buffer.from(JSON.stringify({ ...base, sub: 'someone-else' })).toString('base64url')}.${signature}`,
      'another issuer': await api.stack.issuer.signRaw({ ...base, iss: 'https://evil.example/pool' }),
      'another audience': await api.stack.issuer.signRaw({ ...base, aud: 'another-client' }),
      expired: await api.stack.issuer.signRaw({ ...base, iat: now - 7200, exp: now - 3600 }),
      'not yet valid': await api.stack.issuer.signRaw({ ...base, nbf: now + 3600 }),
      'no expiry': await api.stack.issuer.signRaw({ sub: 'mallory', iss: issuer, aud: audience }),
      'no subject': await api.stack.issuer.signRaw({ iss: issuer, aud: audience, exp: now + 600 }),
      garbage: 'not.a.jwt',
      'HS256 signed with the public key': await new SignJWT(base)
        .setProtectedHeader({ alg: 'HS256', kid: 'local-1' })
        .sign(new TextEncoder().encode(JSON.stringify(strangerJwk))),
    };
  }

  it('refuses every kind of bad token with 401 on every protected route (the authorizer) and on optional-auth routes (the function)', async () => {
    for (const [name, token] of Object.entries(await badTokens())) {
      for (const route of [...protectedRoutes, ROUTES.find((r) => r.key === 'GET /products')!]) {
        const reply = await api.request(route.method, concrete(route.path), { token, body: bodyFor(route.key) });
        const where = `${route.key} with ${name}`;
        expect(reply.status, where).toBe(401);
        if (route.auth === 'jwt') expect(reply.body, where).toEqual(GATEWAY_UNAUTHORIZED);
        else expect(reply.body.code, where).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('accepts Cognito access tokens (client_id, no aud) as well as ID tokens, with their groups', async () => {
    const access = await api.stack.issuer.issue({ sub: 'owner', tokenUse: 'access' });
    const claims = JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ token_use: 'access', client_id: 'orders-local' });
    expect(claims.aud).toBeUndefined();
    const mine = await api.request('GET', `/orders/${orderId}`, { token: access });
    expect(mine.status).toBe(200);
    const opsAccess = await api.stack.issuer.issue({ sub: 'op-2', groups: ['ops'], tokenUse: 'access' });
    expect((await api.request('POST', '/ops/reconcile', { token: opsAccess })).status).toBe(200);
    expect((await api.request('GET', '/products?limit=1', { token: opsAccess })).body.items[0]).toHaveProperty('reserved');
    // An access token of another app client is refused like any other.
    const now = Math.floor(Date.now() / 1000);
    const foreign = await api.stack.issuer.signRaw({ sub: 'owner', iss: `${api.url}/local`, client_id: 'another-client', token_use: 'access', exp: now + 600 });
    expect((await api.request('GET', `/orders/${orderId}`, { token: foreign })).body).toEqual(GATEWAY_UNAUTHORIZED);
    // POST /local/token issues either kind.
    const issued = await api.request('POST', '/local/token', { body: { sub: 'owner', tokenUse: 'access' } });
    expect((await api.request('GET', `/orders/${orderId}`, { token: issued.body.token })).status).toBe(200);
  });

  it('accepts the genuine token, and a token for another user cannot be turned into ops', async () => {
    expect((await api.request('GET', '/orders', { token: tokens.owner })).status).toBe(200);
    expect((await api.request('POST', '/ops/reconcile', { token: tokens.owner })).status).toBe(403);
  });
});
