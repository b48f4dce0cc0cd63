/**
 * The local API Gateway (HTTP API): routes from the topology become API Gateway v2
 * events for the same handlers that run on AWS, after the same JWT checks the
 * Cognito authorizer makes. Local-only routes (token issuer, sandboxes) live beside
 * them, as API.md describes.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { verifyBearer } from '../../functions/adapters/jwt.js';
import type { JWTPayload } from 'jose';
import type { HttpRoute, Throttle } from '../topology.js';
import type { LoadedHandler } from './isolated-function.js';
import type { LocalIssuer } from './issuer.js';
import { ProviderRefusal, type Sandbox } from './sandbox.js';

export interface GatewayRoute extends HttpRoute {
  functionName: string;
  handler: LoadedHandler;
}

/**
 * API Gateway's throttling, per route: a token bucket refilled at `rateLimit` per
 * second holding at most `burstLimit`. Over the limit, the answer is API Gateway's own.
 */
class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly limit: Throttle) {
    this.tokens = limit.burstLimit;
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.limit.burstLimit, this.tokens + ((now - this.last) / 1000) * this.limit.rateLimit);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const STATIC_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json' };

/** The gateway reads at most this much; the functions enforce API.md's 64 KiB. */
const MAX_READ_BYTES = 1024 * 1024;

/** A path whose percent-encoding is broken (e.g. `%E0%A4%A`) matches no route: it is a bad request. */
function decodablePath(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

interface Matched {
  route: GatewayRoute;
  params: Record<string, string>;
}

function compile(routes: GatewayRoute[]) {
  return routes.map((route) => {
    const names: string[] = [];
    const pattern = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}|\{(\w+)\}/g, (_m, a: string, b: string) => {
      names.push(a ?? b);
      return '([^/]+)';
    });
    return { route, names, regex: new RegExp(`^${pattern}$`) };
  });
}

function problem(res: ServerResponse, status: number, code: string, title: string, detail: string) {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title, status, code, detail }));
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_READ_BYTES) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface GatewayOptions {
  /** A port to listen on, or a server already listening (its port held from the stack's start). */
  port: number | Server;
  routes: GatewayRoute[];
  throttling: { default: Throttle; routes: Record<string, Throttle> };
  issuer: LocalIssuer;
  sandbox: Sandbox;
  /** Static sites served beside the API (the operators' console at /console/, as CloudFront serves it on AWS). */
  sites?: { prefix: string; dir: string }[];
  /** Opens a payment's checkout page as its customer would (page-pay trades exist from then on). */
  openCheckout?: (paymentId: string) => Promise<void>;
  log: (line: string) => void;
}

export async function startGateway(options: GatewayOptions): Promise<{ server: Server; url: string; stop(): Promise<void> }> {
  const table = compile(options.routes);
  const buckets = new Map(
    options.routes.map((r) => {
      const key = `${r.method} ${r.path}`;
      return [key, new TokenBucket(options.throttling.routes[key] ?? options.throttling.default)];
    }),
  );
  const settings = { issuer: options.issuer.issuer, audience: options.issuer.audience };
  // Tokens this authorizer accepted, until they expire: the RS256 check is the costliest
  // step of a request here, and a client sends one token for its hour. Nothing a test
  // can see changes (the issuer's key is fixed for the stack's life; refusals are not kept).
  const accepted = new Map<string, JWTPayload & { exp: number }>();
  const verified = async (authorization: string | undefined): Promise<JWTPayload | null> => {
    const known = authorization ? accepted.get(authorization) : undefined;
    if (known && known.exp * 1000 > Date.now()) return known;
    const payload = await verifyBearer(authorization, settings);
    if (payload && authorization && typeof payload.exp === 'number') {
      if (accepted.size >= 10_000) accepted.clear();
      accepted.set(authorization, payload as JWTPayload & { exp: number });
    }
    return payload;
  };

  const match = (method: string, path: string): Matched | null => {
    for (const { route, names, regex } of table) {
      if (route.method !== method) continue;
      const m = regex.exec(path);
      if (!m) continue;
      try {
        return { route, params: Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(m[i + 1]!)])) };
      } catch {
        return null;
      }
    }
    return null;
  };

  async function invoke(req: IncomingMessage, res: ServerResponse, url: URL, matched: Matched, body: Buffer) {
    let claims: Record<string, string | number | boolean | string[]> = {};
    if (matched.route.auth === 'jwt') {
      const payload = await verified(req.headers.authorization);
      // API Gateway's JWT authorizer answers before any function runs, with its own body (API.md).
      if (!payload) return sendJson(res, 401, { message: 'Unauthorized' });
      // The HTTP API passes array claims as "[a b]" strings; do the same.
      claims = Object.fromEntries(
        Object.entries(payload).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : (v as string | number | boolean)]),
      );
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
    }
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
    const now = new Date();
    const event: APIGatewayProxyEventV2WithJWTAuthorizer = {
      version: '2.0',
      routeKey: `${matched.route.method} ${matched.route.path}`,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      queryStringParameters: Object.keys(query).length ? query : undefined,
      pathParameters: Object.keys(matched.params).length ? matched.params : undefined,
      body: body.length ? body.toString('utf8') : undefined,
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: url.host,
        domainPrefix: 'local',
        http: { method: req.method!, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId: randomUUID(),
        routeKey: `${matched.route.method} ${matched.route.path}`,
        stage: '$default',
        time: now.toISOString(),
        timeEpoch: now.getTime(),
        authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } },
      },
    } as APIGatewayProxyEventV2WithJWTAuthorizer;
    let result: APIGatewayProxyStructuredResultV2;
    try {
      result = (await matched.route.handler(event)) as APIGatewayProxyStructuredResultV2;
    } catch (error) {
      options.log(`function ${matched.route.functionName} crashed: ${(error as Error).stack ?? String(error)}`);
      // What API Gateway answers when the integration fails.
      return sendJson(res, 500, { message: 'Internal Server Error' });
    }
    res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
    res.end(result.isBase64Encoded && result.body ? Buffer.from(result.body, 'base64') : (result.body ?? ''));
  }

  async function localRoute(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<boolean> {
    const { sandbox, issuer } = options;
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const json = (): Record<string, unknown> => {
      try {
        const value: unknown = body.length ? JSON.parse(body.toString('utf8')) : {};
        return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
      } catch {
        return {};
      }
    };
    const method = req.method;
    if (method === 'GET') {
      for (const site of options.sites ?? []) {
        if (url.pathname === site.prefix.slice(0, -1)) return res.writeHead(302, { location: site.prefix }).end(), true;
        if (!url.pathname.startsWith(site.prefix)) continue;
        const file = url.pathname.slice(site.prefix.length) || 'index.html';
        const type = STATIC_TYPES[extname(file)];
        // Only the site's own files, by plain name: no traversal, nothing else on disk.
        if (!type || !/^[\w.-]+$/.test(file)) return problem(res, 404, 'NOT_FOUND', 'Not found', `No file ${file}`), true;
        try {
          const content = await readFile(join(site.dir, file));
          res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
          return res.end(content), true;
        } catch {
          return problem(res, 404, 'NOT_FOUND', 'Not found', `No file ${file}`), true;
        }
      }
    }
    if (method === 'GET' && url.pathname === '/local/.well-known/jwks.json') return sendJson(res, 200, issuer.jwks), true;
    if (method === 'POST' && url.pathname === '/local/token') {
      const input = json();
      const groups = input.groups;
      const tokenUse = input.tokenUse ?? 'id';
      if (
        typeof input.sub !== 'string' ||
        !/^[\w.@-]{1,128}$/.test(input.sub) ||
        (groups !== undefined && (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string'))) ||
        (tokenUse !== 'id' && tokenUse !== 'access')
      ) {
        problem(res, 400, 'VALIDATION_ERROR', 'Validation failed', 'Send { "sub": "<user id>", "groups": ["ops" | "warehouse"], "tokenUse": "id" | "access" }');
        return true;
      }
      sendJson(res, 200, { token: await issuer.issue({ sub: input.sub, groups: groups as string[] | undefined, tokenUse }) });
      return true;
    }
    if (parts[0] !== 'sandbox') return false;
    const notFound = () => (problem(res, 404, 'NOT_FOUND', 'Not found', 'No such sandbox payment or shipment'), true);
    if (method === 'POST' && parts[1] === 'payments' && parts.length === 2 && sandbox.paymentsDown) {
      problem(res, 503, 'PROVIDER_UNAVAILABLE', 'Provider unavailable', 'The sandbox payment provider is down');
      return true;
    }
    if (method === 'POST' && parts[1] === 'payments' && parts.length === 2) {
      const input = json() as { orderId: string; amountMinor: number; currency: string };
      return sendJson(res, 200, sandbox.createPayment(input)), true;
    }
    if (parts[1] === 'pay' && parts.length === 3 && method === 'GET') {
      const payment = sandbox.payments.get(parts[2]!);
      return payment ? (sendJson(res, 200, payment), true) : notFound();
    }
    if (parts[1] === 'payments' && parts.length === 3 && method === 'GET') {
      const payment = sandbox.payments.get(parts[2]!);
      return payment ? (sendJson(res, 200, payment), true) : notFound();
    }
    if (parts[1] === 'payments' && parts.length === 4 && method === 'POST') {
      const [, , paymentId, action] = parts as [string, string, string, string];
      if (action === 'refund') {
        const input = json() as { refundId?: unknown; amountMinor?: unknown };
        if (typeof input.refundId !== 'string' || typeof input.amountMinor !== 'number') {
          return problem(res, 400, 'VALIDATION_ERROR', 'Validation failed', 'Send { "refundId", "amountMinor" }'), true;
        }
        try {
          const payment = sandbox.refund(paymentId, input.refundId, input.amountMinor);
          return payment ? (sendJson(res, 200, payment), true) : notFound();
        } catch (error) {
          if (!(error instanceof ProviderRefusal)) throw error;
          return problem(res, 409, 'INVALID_STATE', 'Refused by the provider', error.message), true;
        }
      }
      if (action === 'close') {
        try {
          const payment = sandbox.close(paymentId);
          return payment ? (sendJson(res, 200, payment), true) : notFound();
        } catch (error) {
          if (!(error instanceof ProviderRefusal)) throw error;
          return problem(res, 409, 'INVALID_STATE', 'Refused by the provider', error.message), true;
        }
      }
      if ((action === 'succeed' || action === 'fail') && sandbox.payments.has(paymentId) && !sandbox.payable(paymentId)) {
        return problem(res, 409, 'INVALID_STATE', 'Payment closed', 'The merchant closed this payment: it can no longer be paid'), true;
      }
      // A page-pay checkout (Alipay) exists at the provider once the customer opens it: open it, as they would.
      if ((action === 'succeed' || action === 'fail') && !sandbox.payments.has(paymentId)) await options.openCheckout?.(paymentId);
      if (action === 'succeed' || action === 'fail') {
        const input = json() as { amountMinor?: number; currency?: string; notify?: boolean };
        const delivery = await sandbox.settlePayment(paymentId, action, input, input.notify !== false);
        return delivery ? (sendJson(res, 200, { delivered: delivery }), true) : notFound();
      }
    }
    if (method === 'POST' && parts[1] === 'carrier' && parts[2] === 'outage' && parts.length === 3) {
      // Every carrier stand-in (the sandbox's, Kuaidi100's) refuses bookings while down.
      const input = json();
      if (typeof input.down !== 'boolean') return problem(res, 400, 'VALIDATION_ERROR', 'Validation failed', 'Send { "down": true | false }'), true;
      sandbox.carrierDown = input.down;
      return sendJson(res, 200, { down: sandbox.carrierDown }), true;
    }
    if (method === 'POST' && parts[1] === 'shipments' && parts.length === 2 && sandbox.carrierDown) {
      problem(res, 503, 'CARRIER_UNAVAILABLE', 'Carrier unavailable', 'The sandbox carrier is down');
      return true;
    }
    if (method === 'POST' && parts[1] === 'shipments' && parts.length === 2) {
      const input = json() as { orderId: string };
      return sendJson(res, 200, sandbox.book(input.orderId)), true;
    }
    if (method === 'POST' && parts[1] === 'shipments' && parts[3] === 'events' && parts.length === 4) {
      if (!sandbox.shipments.has(parts[2]!)) return notFound();
      const input = json() as { status?: string; occurredAt?: string };
      const delivery = await sandbox.trackingEvent(parts[2]!, String(input.status ?? ''), input.occurredAt);
      return sendJson(res, 200, { delivered: delivery }), true;
    }
    return notFound();
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
        const body = await readBody(req);
        if (body === null) return problem(res, 413, 'PAYLOAD_TOO_LARGE', 'Payload too large', 'The body is over 64 KiB');
        if (!decodablePath(url.pathname)) {
          return problem(res, 400, 'VALIDATION_ERROR', 'Validation failed', 'The path is not valid percent-encoding');
        }
        const matched = match(req.method ?? 'GET', url.pathname);
        if (matched) {
          if (!buckets.get(`${matched.route.method} ${matched.route.path}`)!.take()) {
            res.writeHead(429, { 'content-type': 'application/json' });
            return res.end(JSON.stringify({ message: 'Too Many Requests' }));
          }
          return await invoke(req, res, url, matched, body);
        }
        if (await localRoute(req, res, url, body)) return;
        problem(res, 404, 'NOT_FOUND', 'Not found', `No route ${req.method} ${url.pathname}`);
      } catch (error) {
        options.log(`gateway error: ${(error as Error).stack ?? String(error)}`);
        if (!res.headersSent) problem(res, 500, 'INTERNAL_ERROR', 'Internal server error', 'The request could not be completed.');
      }
    })();
  };
  const server = typeof options.port === 'number' ? createServer() : options.port;
  server.on('request', onRequest);
  // Idle keep-alive connections stay open a minute (as API Gateway's do), so a client
  // under load never reuses one that the server is closing at that instant.
  server.keepAliveTimeout = 60_000;
  if (typeof options.port === 'number') {
    const port = options.port;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  }
  const { port } = server.address() as { port: number };
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
