/**
 * A webhook receiver the tests run, as a merchant's ERP would: it records what arrives,
 * verifies each request's Standard Webhooks signature with the endpoint's secret, and
 * answers as the test tells it (a status, after a pause).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; createdAt: string; sequence: number; data: Record<string, any> };
  /** Did the signature verify with the secret registered for this path? */
  verified: boolean;
  /** The status this receiver answered (null while it is still pausing). */
  answered: number | null;
}

export interface Receiver {
  url(path: string): string;
  /** The secret `POST /ops/webhook-endpoints` returned for the endpoint at this path. */
  secrets: Map<string, string>;
  received: Received[];
  /** How the receiver answers a request to a path: a status and a pause (ms) before it. */
  behaviour: Map<string, (request: Received, attempt: number) => { status: number; delayMs?: number }>;
  at(path: string): Received[];
  stop(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const secrets = new Map<string, string>();
  const behaviour: Receiver['behaviour'] = new Map();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      let verified = false;
      const secret = secrets.get(path);
      try {
        if (secret) {
          new Webhook(secret).verify(body, req.headers as Record<string, string>);
          verified = true;
        }
      } catch {
        verified = false;
      }
      let event: Received['event'];
      try {
        event = JSON.parse(body);
      } catch {
        event = { id: '', type: 'unparseable', createdAt: '', sequence: -1, data: {} };
      }
      const entry: Received = { path, headers: req.headers, body, event, verified, answered: null };
      received.push(entry);
      const attempt = received.filter((r) => r.path === path && r.event.id === event.id).length;
      const { status, delayMs = 0 } = behaviour.get(path)?.(entry, attempt) ?? { status: 200 };
      setTimeout(() => {
        entry.answered = status;
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status < 300 ? 'ok' : 'no');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    secrets,
    received,
    behaviour,
    at: (path) => received.filter((r) => r.path === path),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
