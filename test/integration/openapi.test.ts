/**
 * The API described by itself (API.md "Documentation"): GET /openapi.json is a valid
 * OpenAPI 3.1 document of exactly the routes the topology serves, generated from the
 * schemas that validate requests (unknown fields refused wherever a body, query or
 * path is taken); GET /docs renders it with assets served from the package, no CDN.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { httpFunctions, sandboxFunction } from '../../lib/topology.js';
import { useLocalStack } from '../helpers/local-stack.js';
import { ResponseValidator } from '../helpers/openapi.js';
import { builtOperation, contract, type RouteKey } from '../../functions/http/contract.js';

const api = useLocalStack();
const document = async () => (await api.request('GET', '/openapi.json')).body;

/** Every object schema under a node, with where it is. */
function objects(node: unknown, where: string, into: [string, Record<string, unknown>][] = []): [string, Record<string, unknown>][] {
  if (Array.isArray(node)) node.forEach((item, i) => objects(item, `${where}[${i}]`, into));
  else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.type === 'object' && record.properties) into.push([where, record]);
    for (const [key, value] of Object.entries(record)) objects(value, `${where}.${key}`, into);
  }
  return into;
}

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document, served without a token', async () => {
    const reply = await api.request('GET', '/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.body.openapi).toBe('3.1.0');
    const result = await new Validator().validate(reply.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every route the topology serves, and nothing else', async () => {
    const doc = await document();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    // The local stack serves the sandbox routes too (a production deployment leaves them out).
    const served = [...httpFunctions, sandboxFunction].flatMap((fn) => fn.routes.map((r) => `${r.method} ${r.path}`));
    expect(documented.sort()).toEqual(served.sort());
    // Public routes need no token; every other one names the bearer scheme.
    for (const fn of [...httpFunctions, sandboxFunction]) {
      for (const route of fn.routes) {
        const operation = doc.paths[route.path][route.method.toLowerCase()];
        const expected = (contract as Record<string, { access: unknown }>)[`${route.method} ${route.path}`]!.access === 'public' ? [] : [{ bearer: [] }];
        expect([route.path, operation.security]).toEqual([route.path, expected]);
      }
    }
  });

  it('refuses unknown fields in every request body, query and path it documents', async () => {
    const doc = await document();
    const inputs: [string, Record<string, unknown>][] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(item)) {
        objects(operation.requestBody, `${method} ${path} body`, inputs);
      }
    }
    expect(inputs.length).toBeGreaterThan(20);
    for (const [where, schema] of inputs) expect([where, schema.additionalProperties]).toEqual([where, false]);
    // Queries and paths are documented as parameters; the schemas behind them are closed too.
    for (const key of Object.keys(contract) as RouteKey[]) {
      const operation = builtOperation(key);
      for (const schema of [operation.params, operation.query].filter((s) => s !== undefined)) {
        expect([key, (z.toJSONSchema(schema, { io: 'input' }) as { additionalProperties?: unknown }).additionalProperties]).toEqual([key, false]);
      }
    }
    // And the running API does refuse them, as documented.
    const token = await api.token('op-doc', ['ops']);
    for (const [path, body] of [
      ['/ops/webhook-endpoints', { url: 'http://127.0.0.1:9/x', events: ['*'], extra: 1 }],
      ['/orders', { items: [], currency: 'CNY', shippingAddress: {}, paymentMethod: 'card', customerId: 'me' }],
    ] as const) {
      const reply = await api.request('POST', path, { token, body, headers: { 'idempotency-key': 'doc' } });
      expect([path, reply.status, reply.body.code]).toEqual([path, 400, 'VALIDATION_ERROR']);
    }
    const query = await api.request('GET', '/ops/reports/daily?from=2026-01-01&to=2026-01-01&format=xml', { token });
    expect(query.status).toBe(400);
  });

  it('catches an answer its response schemas do not describe', async () => {
    const validator = new ResponseValidator(await document());
    const order = (await api.request('GET', '/health')).body;
    expect(validator.check('GET', '/health', 200, 'application/json', order)).toBeNull();
    expect(validator.check('GET', '/health', 200, 'application/json', { status: 'ok', extra: true })).toMatch(/additional/);
    expect(validator.check('GET', '/health', 418, 'application/json', {})).toMatch(/not documented/);
    expect(validator.check('GET', '/orders/ord_01KAAAAAAAAAAAAAAAAAAAAAAA', 200, 'application/json', { orderId: 'x' })).toMatch(/must have required property/);
  });
});

describe('docs/API.md', () => {
  it('names every route the API serves (the documentation routes aside)', async () => {
    const text = (await readFile(new URL('../../docs/API.md', import.meta.url), 'utf8')).replace(/\s+/g, ' ');
    const missing = httpFunctions
      .filter((fn) => fn.id !== 'docs')
      .flatMap((fn) => fn.routes.map((r) => `${r.method} ${r.path}`))
      .filter((key) => !text.includes(key) && !text.includes(key.replace(/\/(approve|reject)$/, '/approve')));
    expect(missing).toEqual([]);
  });
});

describe('GET /docs', () => {
  it('renders the document with Swagger UI served from the package, nothing from a CDN', async () => {
    const page = await api.request('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = page.body as string;
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.sort()).toEqual(['docs/init.js', 'docs/swagger-ui-bundle.js', 'docs/swagger-ui.css']);
    const dist = (file: string) => readFile(createRequire(import.meta.url).resolve(`swagger-ui-dist/${file}`), 'utf8');
    for (const [file, type] of [['swagger-ui-bundle.js', /javascript/], ['swagger-ui.css', /css/]] as const) {
      const asset = await fetch(`${api.url}/docs/${file}`);
      expect(asset.headers.get('content-type')).toMatch(type);
      expect(await asset.text()).toBe(await dist(file));
    }
    const init = await (await fetch(`${api.url}/docs/init.js`)).text();
    expect(init).toContain("url: 'openapi.json'");
    expect((await api.request('GET', '/docs/nothing.js')).status).toBe(404);
  });
});
