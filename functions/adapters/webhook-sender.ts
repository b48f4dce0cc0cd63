/**
 * Sends one event to one endpoint: signed by the Standard Webhooks scheme with the
 * endpoint's secret (`webhook-id` is the event id), POSTed as JSON, 10 s at most.
 *
 * The address rules (core/endpoint-urls.ts) are applied where it matters, at the
 * connection: the DNS answer the socket is about to use is checked, so a name that
 * resolved to a public address at registration and to 169.254.169.254 now is refused
 * (no time between check and use for the DNS to change). Redirects are not followed.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { isForbiddenAddress, isLocalReceiver, urlProblem, type UrlRules } from '../core/endpoint-urls.js';

export const DELIVERY_TIMEOUT_MS = 10_000;

export function urlRulesFromEnv(): UrlRules {
  return { allowLocalReceivers: process.env.WEBHOOK_ALLOW_LOCAL_RECEIVERS === 'true' };
}

export class UnsafeAddressError extends Error {}

/** Every address the name resolves to must be allowed: the first that is not, if any. */
const forbiddenAmong = (addresses: LookupAddress[]) => addresses.find((a) => isForbiddenAddress(a.address));

async function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));
}

/** Why the URL may not be an endpoint now (its rules, then its DNS answer), or null. */
export async function endpointUrlProblem(raw: string, rules: UrlRules): Promise<string | null> {
  const problem = urlProblem(raw, rules);
  if (problem) return problem;
  const url = new URL(raw);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) || isLocalReceiver(url, rules)) return null;
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(host);
  } catch {
    return `names a host that does not resolve (${host})`;
  }
  const bad = forbiddenAmong(addresses);
  return bad ? `resolves to a forbidden address (${bad.address})` : null;
}

/** A DNS look-up for the socket that refuses forbidden answers. */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const bad = forbiddenAmong(addresses);
    if (bad) return callback(new UnsafeAddressError(`${hostname} resolves to a forbidden address (${bad.address})`), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

export interface SendOutcome {
  /** The endpoint's HTTP status, or null when no answer came (refused, timed out, unsafe). */
  status: number | null;
  delivered: boolean;
  /** No answer within the 10 s: the endpoint is slow (not merely refusing). */
  timedOut?: boolean;
  error?: string;
}

export async function sendEvent(endpoint: { url: string; secret: string }, event: { eventId: string; body: string }, rules: UrlRules, now = new Date()): Promise<SendOutcome> {
  const problem = urlProblem(endpoint.url, rules);
  if (problem) return { status: null, delivered: false, error: `unsafe URL: ${problem}` };
  const url = new URL(endpoint.url);
  const signature = new Webhook(endpoint.secret).sign(event.eventId, now, event.body);
  const options: RequestOptions = {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(event.body),
      'user-agent': 'serverless-orders-webhooks/1',
      'webhook-id': event.eventId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    },
    // The local receivers are addresses already; any name goes through the guard.
    ...(isLocalReceiver(url, rules) ? {} : { lookup: guardedLookup }),
    timeout: DELIVERY_TIMEOUT_MS,
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  let timedOut = false;
  return new Promise<SendOutcome>((resolve) => {
    const timeOut = () => {
      timedOut = true;
      req.destroy(new Error('no answer within 10 s'));
    };
    const timer = setTimeout(timeOut, DELIVERY_TIMEOUT_MS);
    const req = send(url, options, (res) => {
      // The answer's body is not needed: read and drop it (at most what arrives before the timeout).
      res.resume();
      res.on('end', () => {
        clearTimeout(timer);
        const status = res.statusCode ?? null;
        resolve({ status, delivered: status !== null && status >= 200 && status < 300 });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? null, delivered: false, error: error.message });
      });
    });
    req.on('timeout', timeOut);
    req.on('error', (error) => {
      clearTimeout(timer);
      resolve({ status: null, delivered: false, timedOut, error: error instanceof UnsafeAddressError ? `unsafe URL: ${error.message}` : error.message });
    });
    req.end(event.body);
  });
}
