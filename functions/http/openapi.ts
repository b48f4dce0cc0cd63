/**
 * The OpenAPI 3.1 document of this API, generated from the contract (contract.ts, and
 * contract-responses.ts for what routes answer): the same zod schemas that validate requests, turned into JSON Schema 2020-12 by zod 4's
 * own `toJSONSchema` (request schemas as they accept input, responses as they are
 * sent). Named schemas (`.meta({ id })`) become components. Pure: no I/O.
 */
import * as z from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import { builtOperation, contract, type BuiltOperation, type RouteKey } from './contract.js';
import { event, problem, responses as answers, type Answer } from './contract-responses.js';
import { STATUS_OF, type ErrorCode } from '../core/errors.js';

type Json = Record<string, unknown>;

/** Collects named schemas as components while converting. */
class Components {
  readonly schemas: Record<string, Json> = {};
  convert(schema: $ZodType, io: 'input' | 'output'): Json {
    const converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
    const { $schema: _schema, $defs, ...rest } = converted;
    for (const [name, definition] of Object.entries(($defs as Record<string, Json> | undefined) ?? {})) this.schemas[name] ??= this.relink(definition);
    // A schema that is itself named becomes a reference to its component.
    const id = z.globalRegistry.get(schema)?.id;
    if (id) {
      this.schemas[id] ??= this.relink(rest);
      return { $ref: `#/components/schemas/${id}` };
    }
    return this.relink(rest);
  }
  private relink(schema: Json): Json {
    return JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json;
  }
}

function parameters(schema: $ZodType | undefined, where: 'path' | 'query', components: Components): Json[] {
  if (!schema) return [];
  const object = components.convert(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    schema: property,
  }));
}

const problemContent = (components: Components) => ({ 'application/problem+json': { schema: components.convert(problem, 'output') } });

function errorResponses(operation: BuiltOperation, components: Components): Record<string, Json> {
  const codes = new Set<ErrorCode>(operation.errors ?? []);
  if (operation.params || operation.query || operation.body || operation.rawBody || operation.idempotencyKey) codes.add('VALIDATION_ERROR');
  if (operation.access !== 'public') codes.add('UNAUTHENTICATED');
  if (Array.isArray(operation.access)) codes.add('FORBIDDEN');
  if (operation.params) codes.add('NOT_FOUND');
  if (operation.body || operation.rawBody) codes.add('PAYLOAD_TOO_LARGE');
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(STATUS_OF[code], [...(byStatus.get(STATUS_OF[code]) ?? []), code]);
  const responses: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) responses[String(status)] = { description: list.join(', '), content: problemContent(components) };
  // Two answers come from API Gateway itself, with its own body (API.md "Errors").
  const gateway = { 'application/json': { schema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } } };
  if (operation.access !== 'public') responses['401'] = { description: `${responses['401']!.description} (a token the JWT authorizer refuses: API Gateway's {"message":"Unauthorized"})`, content: { ...problemContent(components), ...gateway } };
  responses['429'] = { description: 'RATE_LIMITED: API Gateway throttled the request (its own body); header Retry-After', content: { ...problemContent(components), ...gateway } };
  responses['500'] = { description: 'INTERNAL_ERROR', content: problemContent(components) };
  return responses;
}

const operationId = (method: string, path: string) =>
  method.toLowerCase() +
  path
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase()))
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

function describeOperation(key: string, operation: BuiltOperation, answered: Record<number, Answer>, components: Components): Json {
  const [method, path] = key.split(' ') as [string, string];
  const roles = Array.isArray(operation.access) ? ` Roles: ${operation.access.join(' or ')}.` : '';
  const body = operation.body
    ? { requestBody: { required: !z.safeParse(operation.body, undefined).success, content: { 'application/json': { schema: components.convert(operation.body, 'input') } } } }
    : operation.rawBody
      ? { requestBody: { required: true, description: operation.rawBody, content: { 'application/json': { schema: {} }, 'application/x-www-form-urlencoded': { schema: { type: 'object' } } } } }
      : {};
  const responses: Record<string, Json> = {};
  for (const [status, answer] of Object.entries(answered)) {
    responses[status] = {
      description: answer.description,
      ...(answer.schema || answer.contentType ? { content: { [answer.contentType ?? 'application/json']: { schema: answer.schema ? components.convert(answer.schema, 'output') : {} } } } : {}),
    };
  }
  return {
    operationId: operationId(method, path),
    summary: operation.summary,
    ...(roles || operation.sandbox ? { description: `${roles}${operation.sandbox ? ' Served by the local stack and by staging deployments with the sandbox (`-c sandbox=true`).' : ''}`.trim() } : {}),
    tags: [operation.tag],
    security: operation.access === 'public' ? [] : [{ bearer: [] }],
    parameters: [
      ...parameters(operation.params, 'path', components),
      ...parameters(operation.query, 'query', components),
      ...(operation.idempotencyKey ? [{ name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', pattern: '^[\\x21-\\x7E]{1,255}$' } }] : []),
    ],
    ...body,
    responses: { ...responses, ...errorResponses(operation, components) },
  };
}

export interface DocumentOptions {
  /** Whether this deployment serves the sandbox provider and carrier (local stack, staging). */
  includeSandbox: boolean;
  version?: string;
}

/** The document: every route of the contract this deployment serves. */
export function openApiDocument(options: DocumentOptions): Json {
  const components = new Components();
  const paths: Record<string, Record<string, Json>> = {};
  for (const key of Object.keys(contract) as RouteKey[]) {
    const operation = builtOperation(key);
    if (operation.sandbox && !options.includeSandbox) continue;
    const [method, path] = key.split(' ') as [string, string];
    (paths[path] ??= {})[method.toLowerCase()] = describeOperation(key, operation, answers[key], components);
  }
  const webhookHeaders = ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({ name, in: 'header', required: true, schema: { type: 'string' } }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'serverless-orders',
      version: options.version ?? '0.1.0',
      description:
        'Order processing on AWS serverless: orders, payments, warehouse, carriers, returns, events and reports. Errors are RFC 9457 problem details. ' +
        'Bearer tokens are Cognito JWTs on AWS (roles from `cognito:groups`: `ops`, `warehouse`); locally `POST /local/token` issues them. See docs/API.md.',
    },
    servers: [{ url: '/' }],
    tags: ['health', 'catalog', 'orders', 'returns', 'warehouse', 'webhooks', 'events', 'reports', 'operations', 'sandbox', 'documentation'].map((name) => ({ name })),
    paths,
    webhooks: {
      orderEvents: {
        post: {
          summary: 'Events this API sends to subscribed endpoints (POST /ops/webhook-endpoints), signed by the Standard Webhooks scheme with the endpoint secret',
          parameters: webhookHeaders,
          requestBody: { required: true, content: { 'application/json': { schema: components.convert(event, 'output') } } },
          responses: { '200': { description: 'Any 2xx within 10 s is a delivery; anything else is retried on the schedule' } },
        },
      },
    },
    components: {
      schemas: components.schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}
