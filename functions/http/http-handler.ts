/**
 * The one middy stack every HTTP function shares: size limit, JSON parsing, auth
 * claims and roles, zod validation of path, query and body, and problem+json for
 * every error. A function declares its routes by API Gateway route key; this file
 * does the rest, so handlers only wire domain calls.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import { DomainError, INTERNAL_PROBLEM, toProblem, type ProblemDetails } from '../core/errors.js';
import { idempotencyKey, issuesToErrors } from '../core/schemas.js';
import { flushMetrics, logger } from '../shared/powertools.js';
import { contract, type Access, type Operation, type Role, type RouteKey } from './contract.js';
import { recordAction } from '../adapters/audit.js';
import { once, type Lazy } from '../shared/once.js';

/** Where tokens come from, for public routes that verify one themselves (`optionalAuth`). */
const JWT = process.env.JWT_ISSUER && process.env.JWT_AUDIENCE ? { issuer: process.env.JWT_ISSUER, audience: process.env.JWT_AUDIENCE } : null;

export type { Access, Role };

export interface Principal {
  sub: string;
  groups: string[];
  isOps: boolean;
}

export interface Request<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  rawBody: string;
  headers: Record<string, string | undefined>;
  principal: Principal | null;
  event: APIGatewayProxyEventV2WithJWTAuthorizer;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** A body sent as is (a provider's own answer such as Alipay's `success`), with its content-type in `headers`. */
  text?: string;
  headers?: Record<string, string>;
}

export interface Route<B = unknown, Q = unknown, P = unknown> {
  access: Access;
  /**
   * For public routes that show more to a signed-in caller: API Gateway runs no
   * authorizer there, so the function verifies a bearer token itself, if one is sent.
   */
  optionalAuth?: boolean;
  /** The contract's schemas (`validation(key)`), built on the route's first request. */
  params?: Lazy<$ZodType<P>>;
  query?: Lazy<$ZodType<Q>>;
  /** Omit for routes that take no body (then only none or `{}` is accepted). */
  body?: Lazy<$ZodType<B>>;
  /** Webhooks: the body is read raw by the route (signatures are over the raw bytes). */
  readsRawBody?: boolean;
  handle(request: Request<B, Q, P>): Promise<Reply>;
}

/** Typed route declaration (inference helper). */
export function route<B = undefined, Q = undefined, P = undefined>(definition: Route<B, Q, P>): Route {
  return definition as unknown as Route;
}

export const MAX_BODY_BYTES = 64 * 1024;

/** What a route that declares no query or body accepts: nothing (built on first use, as the contract's schemas are). */
const NO_FIELDS = once(() => z.strictObject({}));
const NO_BODY = once(() => z.optional(NO_FIELDS()));

/** The `Idempotency-Key` header a route requires (API.md: 1 to 255 visible ASCII characters). */
export function requiredIdempotencyKey(headers: Record<string, string | undefined>): string {
  const key = idempotencyKey().safeParse(headers['idempotency-key']);
  if (!key.success) throw new DomainError('VALIDATION_ERROR', 'The Idempotency-Key header is required', [{ path: 'header.Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
  return key.data;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers };
}

function problemResponse(problem: ProblemDetails): APIGatewayProxyResultV2 {
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify(problem),
  };
}

/** Claims as the HTTP API JWT authorizer passes them: arrays arrive as "[a b]" strings. */
export function principalFrom(event: APIGatewayProxyEventV2WithJWTAuthorizer): Principal | null {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub === '') return null;
  const raw = claims['cognito:groups'];
  let groups: string[] = [];
  if (Array.isArray(raw)) groups = raw.map(String);
  else if (typeof raw === 'string') groups = raw.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
  return { sub, groups, isOps: groups.includes('ops') };
}

function authorize(access: Access, principal: Principal | null): void {
  if (access === 'public') return;
  if (!principal) throw new DomainError('UNAUTHENTICATED', 'A valid bearer token is required');
  if (access === 'customer') return;
  if (!access.some((role) => principal.groups.includes(role))) {
    throw new DomainError('FORBIDDEN', `This route needs the role ${access.join(' or ')}`);
  }
}

function parse<T>(schema: $ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return undefined as T;
  const result = z.safeParse(schema, value);
  if (!result.success) throw new DomainError('VALIDATION_ERROR', `The ${where} is invalid`, issuesToErrors(result.error, where));
  return result.data;
}

function rawBodyOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): string {
  if (event.body === undefined || event.body === null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/**
 * Every route must be one of the contract's, validated by the contract's very schemas
 * (spread in with `validation(key)`): what GET /openapi.json documents is what runs.
 */
function checkAgainstContract(routes: Record<string, Route>): void {
  for (const [key, definition] of Object.entries(routes)) {
    if (!(key in contract)) throw new Error(`${key} is not in the contract (functions/http/contract.ts)`);
    const operation: Operation = contract[key as RouteKey];
    // The very builders the contract holds (each builds its schema once, on first use).
    for (const part of ['access', 'params', 'query', 'body'] as const) {
      if (definition[part] !== operation[part]) throw new Error(`${key}: its ${part} is not the contract's; spread validation('${key}') into the route`);
    }
  }
}

/**
 * Every change an operator or the warehouse makes is recorded with their `sub` (API.md
 * "Operations"), under the order it concerns when there is one (a return's answer names
 * its order), else under what the path names.
 */
async function audit(event: APIGatewayProxyEventV2WithJWTAuthorizer, principal: Principal | null, params: unknown, reply: Reply): Promise<void> {
  const roles = (principal?.groups ?? []).filter((group) => group === 'ops' || group === 'warehouse');
  if (!principal || !roles.length || event.requestContext?.http?.method === 'GET') return;
  const named = Object.fromEntries(Object.entries((params ?? {}) as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const answered = (reply.body ?? {}) as Record<string, unknown>;
  const orderId = named.orderId ?? (typeof answered.orderId === 'string' ? answered.orderId : undefined);
  const [kind, id] = orderId ? ['order', orderId] : (Object.entries(named)[0] ?? ['route', event.routeKey]);
  await recordAction(
    { kind: kind.replace(/Id$/, ''), id },
    { at: new Date().toISOString(), actor: principal.sub, roles, action: event.routeKey, status: reply.status, ...(Object.keys(named).length ? { refs: named } : {}) },
  );
}

export function httpHandler(routes: Record<string, Route>) {
  checkAgainstContract(routes);
  const dispatch = async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyResultV2> => {
    const definition = routes[event.routeKey];
    if (!definition) throw new DomainError('NOT_FOUND', `No route ${event.routeKey}`);
    let principal = principalFrom(event);
    if (!principal && definition.optionalAuth && event.headers?.authorization) {
      // jose loads with the first such token: most requests never need it.
      const claims = JWT ? await (await import('../adapters/jwt.js')).verifyBearer(event.headers.authorization, JWT) : null;
      if (!claims) throw new DomainError('UNAUTHENTICATED', 'The bearer token is invalid or expired');
      principal = principalFrom({ ...event, requestContext: { ...event.requestContext, authorizer: { jwt: { claims: claims as Record<string, string>, scopes: [] } } } });
    }
    authorize(definition.access, principal);

    const rawBody = rawBodyOf(event);
    if (Buffer.byteLength(rawBody) > MAX_BODY_BYTES) throw new DomainError('PAYLOAD_TOO_LARGE', 'The body is over 64 KiB');
    const params = parse(definition.params?.(), event.pathParameters ?? {}, 'path');
    const query = parse(definition.query?.() ?? NO_FIELDS(), event.queryStringParameters ?? {}, 'query');
    let body: unknown;
    if (definition.body || !definition.readsRawBody) {
      let parsed: unknown;
      if (rawBody.trim() !== '') {
        try {
          parsed = JSON.parse(rawBody);
        } catch {
          throw new DomainError('VALIDATION_ERROR', 'The body is not valid JSON', [{ path: 'body', message: 'malformed JSON' }]);
        }
      }
      // A route that declares no body takes none, or an empty object: API.md makes
      // unknown fields a 400 everywhere, so nothing sent is silently ignored.
      body = parse(definition.body?.() ?? NO_BODY(), parsed, 'body');
    }

    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
    const reply = await definition.handle({ body, query, params, rawBody, headers, principal, event });
    if (reply.status < 300) await audit(event, principal, params, reply);
    return {
      statusCode: reply.status,
      headers: { ...(reply.body !== undefined ? { 'content-type': 'application/json' } : {}), ...reply.headers },
      body: reply.text ?? (reply.body !== undefined ? JSON.stringify(reply.body) : ''),
    };
  };

  // What a request counted (metrics.ts, e.g. a cancellation) is published with it, answered or failed.
  const dispatchAndFlush = async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
    try {
      return await dispatch(event);
    } finally {
      flushMetrics();
    }
  };

  return middy(dispatchAndFlush).onError(async (request) => {
    const error = request.error;
    if (error instanceof DomainError) {
      if (error.status >= 500) logger.error('request failed', { code: error.code });
      request.response = problemResponse(toProblem(error));
      return;
    }
    logger.error('unhandled error', { error: error as Error, routeKey: request.event.routeKey });
    request.response = problemResponse(INTERNAL_PROBLEM);
  });
}
