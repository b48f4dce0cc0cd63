/**
 * What every provider stand-in shares: a small HTTP server of its own (the real
 * adapters call it as they would call the provider's API host) and the POST that
 * delivers its notifications to the local API.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { newUlid } from '../../../functions/shared/ids.js';
import { postNotification, type Outcome } from '../../../functions/sandbox/model.js';
import type { SandboxPayment, WebhookDelivery } from '../sandbox.js';

export interface NotificationOptions {
  /** Signed with a key that is not the provider's. */
  forged?: boolean;
  /** Made this long ago (a stale or replayed notification). */
  ageSeconds?: number;
  /** The provider's id of the event (the same id again is a provider's retry). */
  eventId?: string;
}

export interface SignedNotification {
  eventId: string;
  rawBody: string;
  headers: Record<string, string>;
}

/** What every stand-in offers the local stack and the tests. */
export interface PaymentStandIn {
  name: string;
  server: StandInServer;
  /** What the adapter is configured with, as an operator would copy it from the merchant console. */
  credentials: Record<string, unknown>;
  /** The notification of a payment's attempt in the provider's own format and signature scheme. */
  paymentNotification(payment: SandboxPayment, outcome: Outcome, options?: NotificationOptions): SignedNotification;
}

export interface StandInRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface StandInReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export const jsonReply = (status: number, value: unknown, headers: Record<string, string> = {}): StandInReply => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value),
});

export interface StandInServer {
  url: string;
  stop(): Promise<void>;
}

export async function standInServer(handle: (request: StandInRequest) => Promise<StandInReply> | StandInReply): Promise<StandInServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        try {
          const url = new URL(req.url ?? '/', 'http://stand-in');
          const reply = await handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
          res.writeHead(reply.status, reply.headers);
          res.end(reply.body ?? '');
        } catch (error) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`stand-in error: ${(error as Error).message}`);
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A provider's idempotent POSTs (Stripe's Idempotency-Key, PayPal's PayPal-Request-Id):
 * the same key on the same path gets its first answer again.
 */
export function replayingByKey(header: string, handle: (request: StandInRequest) => StandInReply, options: { keeps: (status: number) => boolean; markReplay?: string }) {
  const replays = new Map<string, StandInReply>();
  return (request: StandInRequest): StandInReply => {
    const key = request.method === 'POST' ? request.headers[header] : undefined;
    const replayKey = typeof key === 'string' ? `${request.path} ${key}` : null;
    const replayed = replayKey ? replays.get(replayKey) : undefined;
    if (replayed) return options.markReplay ? { ...replayed, headers: { ...replayed.headers, [options.markReplay]: 'true' } } : replayed;
    const reply = handle(request);
    if (replayKey && options.keeps(reply.status)) replays.set(replayKey, reply);
    return reply;
  };
}

/** POSTs a notification to the local API as the provider would; returns what the API answered. */
export function notify(url: string, body: string, headers: Record<string, string>, webhookId: string = newUlid()): Promise<WebhookDelivery> {
  return postNotification(url, body, headers, webhookId);
}
