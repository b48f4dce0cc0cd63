/**
 * Starts the real local stack for a test file and gives the tests an HTTP client for
 * it. Nothing is mocked: requests go over HTTP to the local API Gateway, the
 * functions talk to DynamoDB Local, fauxqs and the Step Functions server.
 */
import { afterAll, beforeAll } from 'vitest';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../lib/local/stack.js';
import { ResponseValidator } from './openapi.js';

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Api {
  stack: LocalStack;
  /** With `validateResponses`: every answer checked against GET /openapi.json. */
  validator?: ResponseValidator;
  url: string;
  token(sub: string, groups?: string[]): Promise<string>;
  request<T = any>(method: string, path: string, options?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<Reply<T>>;
}

/**
 * Settings that route every payment method to the sandbox provider, for tests that sign
 * the sandbox's Standard Webhooks themselves or stage its outages. Every other test
 * runs the real adapters against their providers' stand-ins.
 */
export const SANDBOX_PAYMENTS = { PAYMENT_PROVIDERS: JSON.stringify({ card: 'sandbox', alipay: 'sandbox', wechat_pay: 'sandbox', paypal: 'sandbox' }) };

export function useLocalStack(options: LocalStackOptions = {}, testing: { validateResponses?: boolean } = {}): Api {
  const api = {} as Api;
  beforeAll(async () => {
    const stack = await startLocalStack({
      port: 0,
      log: () => undefined,
      // Tests send bursts on purpose; the throttling test sets its own limits.
      throttling: { default: { rateLimit: 100_000, burstLimit: 100_000 }, routes: {} },
      ...options,
      // Failure-path tests log errors on purpose; TEST_LOG_LEVEL=ERROR shows them.
      env: { POWERTOOLS_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT', ...options.env },
    });
    const tokens = new Map<string, string>();
    Object.assign(api, {
      stack,
      url: stack.url,
      async token(sub: string, groups: string[] = []) {
        const key = `${sub}|${groups.join(',')}`;
        if (!tokens.has(key)) {
          const reply = await api.request<{ token: string }>('POST', '/local/token', { body: { sub, groups } });
          tokens.set(key, reply.body.token);
        }
        return tokens.get(key)!;
      },
      async request(method: string, path: string, opts: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}) {
        const response = await fetch(`${stack.url}${path}`, {
          method,
          headers: {
            ...(opts.body !== undefined || opts.rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
            ...opts.headers,
          },
          body: opts.rawBody ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
        });
        const text = await response.text();
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          // not JSON
        }
        // An answer the API's own document does not describe fails the test right here.
        const problem = api.validator?.check(method, path, response.status, response.headers.get('content-type'), body);
        if (problem) throw new Error(`The answer does not match the OpenAPI document: ${problem}`);
        return { status: response.status, headers: response.headers, body };
      },
    });
  });
  if (testing.validateResponses) {
    beforeAll(async () => {
      api.validator = new ResponseValidator((await api.request('GET', '/openapi.json')).body);
    });
  }
  afterAll(async () => {
    await api.stack?.stop();
  });
  return api;
}

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
