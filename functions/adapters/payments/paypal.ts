/**
 * PayPal Orders v2 over its REST API: an order per checkout (`custom_id` = our order id,
 * `PayPal-Request-Id` per order), captured by us once the payer approves it (only while
 * the order still awaits payment), refunds of the capture with `PayPal-Request-Id` = the
 * refund id. Webhooks are verified by PayPal's documented scheme: SHA256withRSA over
 * `transmissionId|transmissionTime|webhookId|crc32(body)` with the certificate at
 * PAYPAL-CERT-URL, fetched only from an allowed PayPal host over TLS (which is what
 * proves it PayPal's) and cached.
 *
 * Why not PayPal's server SDK (@paypal/paypal-server-sdk): it only targets PayPal's two
 * fixed environments (no base URL), so it cannot be pointed at the local stand-in that
 * every test runs against; these few REST calls with `fetch` can.
 *
 * Credentials (JSON secret PAYPAL_CREDENTIALS): `clientId`, `clientSecret`, `webhookId`
 * (from the app's webhook settings), `returnUrl`, `cancelUrl`, optional `apiBase`
 * (default the live API; https://api-m.sandbox.paypal.com for PayPal's sandbox) and
 * `certUrlPrefixes` (replaces the PayPal hosts allowed to serve certificates: only for
 * the local stand-in).
 */
import { createVerify, X509Certificate } from 'node:crypto';
import * as zlib from 'node:zlib';
import * as z from 'zod/mini';
import { decimalToMinor, minorToDecimal } from '../../core/currency.js';
import { DomainError } from '../../core/errors.js';
import { credentialsLoader } from './credentials.js';
import { ProviderError, providerFetch, type PaymentProvider, type ProviderNotification, type ProviderPayment, type RefundState, PROVIDER_FACTS } from './provider.js';

const credentialsSchema = z.object({
  clientId: z.string().check(z.minLength(1)),
  clientSecret: z.string().check(z.minLength(1)),
  webhookId: z.string().check(z.minLength(1)),
  returnUrl: z.url(),
  cancelUrl: z.url(),
  apiBase: z.optional(z.url()),
  certUrlPrefixes: z.optional(z.array(z.url()).check(z.minLength(1))),
});
type Credentials = z.infer<typeof credentialsSchema>;

const API_BASE = 'https://api-m.paypal.com';
/** Where PayPal serves its webhook-signing certificates (live and sandbox API hosts). */
const PAYPAL_CERT_PREFIXES = ['https://api.paypal.com/', 'https://api-m.paypal.com/', 'https://api.sandbox.paypal.com/', 'https://api-m.sandbox.paypal.com/'];
const TOLERANCE_SECONDS = 300;

// zlib.crc32 is in Node since 20.15; @types/node 20 does not declare it yet.
const crc32 = (zlib as unknown as { crc32(data: string | Uint8Array): number }).crc32;

/** The string PayPal signs for a webhook delivery. */
export function paypalSignedMessage(transmissionId: string, transmissionTime: string, webhookId: string, rawBody: string): string {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(Buffer.from(rawBody, 'utf8')) >>> 0}`;
}

const certificates = new Map<string, Promise<X509Certificate>>();

/** The signing certificate, fetched once per URL, only from an allowed prefix (anything else is refused unfetched). */
async function certificate(url: string, prefixes: string[]): Promise<X509Certificate> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DomainError('INVALID_SIGNATURE', 'PAYPAL-CERT-URL is not a URL');
  }
  const allowed = !parsed.username && !parsed.password && prefixes.some((prefix) => parsed.href.startsWith(prefix));
  if (!allowed) throw new DomainError('INVALID_SIGNATURE', 'PAYPAL-CERT-URL is not on an allowed PayPal host');
  let cert = certificates.get(parsed.href);
  if (!cert) {
    cert = providerFetch(parsed.href, { timeoutMs: 5000 }).then(async (response) => {
      if (!response.ok) throw new ProviderError(`certificate ${parsed.href} answered ${response.status}`);
      return new X509Certificate(await response.text());
    });
    certificates.set(parsed.href, cert);
    cert.catch(() => certificates.delete(parsed.href));
  }
  return cert;
}

export async function verifyPaypalWebhook(credentials: Pick<Credentials, 'webhookId' | 'certUrlPrefixes'>, headers: Record<string, string | undefined>, rawBody: string, now = Date.now()): Promise<void> {
  const id = headers['paypal-transmission-id'];
  const time = headers['paypal-transmission-time'];
  const signature = headers['paypal-transmission-sig'];
  const certUrl = headers['paypal-cert-url'];
  const algorithm = headers['paypal-auth-algo'];
  if (!id || !time || !signature || !certUrl || !algorithm) throw new DomainError('INVALID_SIGNATURE', 'The PAYPAL-TRANSMISSION-ID, -TIME, -SIG, PAYPAL-CERT-URL and PAYPAL-AUTH-ALGO headers are required');
  if (algorithm !== 'SHA256withRSA') throw new DomainError('INVALID_SIGNATURE', `PAYPAL-AUTH-ALGO ${algorithm} is not SHA256withRSA`);
  const sent = Date.parse(time);
  if (!Number.isFinite(sent) || Math.abs(now - sent) > TOLERANCE_SECONDS * 1000) throw new DomainError('INVALID_SIGNATURE', 'PAYPAL-TRANSMISSION-TIME is more than 300 s away');
  const cert = await certificate(certUrl, credentials.certUrlPrefixes ?? PAYPAL_CERT_PREFIXES);
  if (Date.parse(cert.validTo) < now || Date.parse(cert.validFrom) > now) throw new DomainError('INVALID_SIGNATURE', 'The PayPal certificate is not valid now');
  const valid = createVerify('RSA-SHA256').update(paypalSignedMessage(id, time, credentials.webhookId, rawBody)).verify(cert.publicKey, signature, 'base64');
  if (!valid) throw new DomainError('INVALID_SIGNATURE', 'The PayPal webhook signature does not verify');
}

const amountSchema = z.object({ currency_code: z.string().check(z.regex(/^[A-Z]{3}$/)), value: z.string() });
const captureSchema = z.object({ id: z.string(), status: z.string(), amount: z.optional(amountSchema) });
const orderSchema = z.object({
  id: z.string(),
  status: z.string(),
  links: z.optional(z.array(z.object({ rel: z.string(), href: z.string() }))),
  purchase_units: z.array(z.object({ custom_id: z.optional(z.string()), amount: z.optional(amountSchema), payments: z.optional(z.object({ captures: z.optional(z.array(captureSchema)) })) })).check(z.minLength(1)),
});
type PaypalOrder = z.infer<typeof orderSchema>;

const CAPTURED = ['COMPLETED', 'REFUNDED', 'PARTIALLY_REFUNDED'];

function minorOf(amount: z.infer<typeof amountSchema>): { amountMinor: number; currency: string } {
  const amountMinor = decimalToMinor(amount.value, amount.currency_code);
  if (amountMinor === null) throw new ProviderError(`PayPal amount ${amount.value} ${amount.currency_code} is unreadable`);
  return { amountMinor, currency: amount.currency_code };
}

function orderPayment(order: PaypalOrder): ProviderPayment {
  const unit = order.purchase_units[0]!;
  const capture = unit.payments?.captures?.[0];
  const amount = minorOf(capture?.amount ?? unit.amount!);
  if (capture && CAPTURED.includes(capture.status)) return { status: 'SUCCEEDED', ...amount };
  if (capture && (capture.status === 'DECLINED' || capture.status === 'FAILED')) return { status: 'FAILED', ...amount };
  if (order.status === 'APPROVED') return { status: 'AUTHORIZED', ...amount };
  if (order.status === 'VOIDED') return { status: 'CLOSED', ...amount };
  return { status: 'PENDING', ...amount };
}

function refundState(status: string): RefundState {
  if (status === 'COMPLETED') return 'SUCCEEDED';
  if (status === 'FAILED' || status === 'CANCELLED') return 'FAILED';
  return 'PENDING';
}

export function paypalProvider(): PaymentProvider {
  const credentials = credentialsLoader('paypal', credentialsSchema);
  let token: { value: string; until: number } | undefined;

  async function accessToken(c: Credentials): Promise<string> {
    if (token && token.until > Date.now()) return token.value;
    const response = await providerFetch(`${c.apiBase ?? API_BASE}/v1/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    if (!response.ok) throw new ProviderError(`PayPal refused the client credentials: ${response.status}`);
    const { access_token: value, expires_in: seconds } = (await response.json()) as { access_token: string; expires_in: number };
    token = { value, until: Date.now() + Math.max(0, seconds - 60) * 1000 };
    return value;
  }

  async function call(method: 'GET' | 'POST', path: string, body?: unknown, requestId?: string): Promise<{ status: number; json: Record<string, unknown> }> {
    const c = await credentials();
    const response = await providerFetch(`${c.apiBase ?? API_BASE}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await accessToken(c)}`,
        'content-type': 'application/json',
        prefer: 'return=representation',
        ...(requestId ? { 'paypal-request-id': requestId } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status === 401) token = undefined;
    if (response.status >= 500 || response.status === 401) throw new ProviderError(`PayPal answered ${response.status} to ${method} ${path}`);
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function order(paymentId: string): Promise<PaypalOrder | null> {
    const { status, json } = await call('GET', `/v2/checkout/orders/${encodeURIComponent(paymentId)}`);
    if (status === 404) return null;
    if (status !== 200) throw new ProviderError(`PayPal order ${paymentId} answered ${status}`);
    return orderSchema.parse(json);
  }

  return {
    name: 'paypal',
    notificationAnswer: PROVIDER_FACTS.paypal.notificationAnswer,

    async createPayment({ orderId, amountMinor, currency }) {
      const { returnUrl, cancelUrl } = await credentials();
      const { status, json } = await call(
        'POST',
        '/v2/checkout/orders',
        {
          intent: 'CAPTURE',
          purchase_units: [{ reference_id: orderId, custom_id: orderId, amount: { currency_code: currency, value: minorToDecimal(amountMinor, currency) } }],
          payment_source: { paypal: { experience_context: { return_url: returnUrl, cancel_url: cancelUrl, user_action: 'PAY_NOW' } } },
        },
        // One PayPal order per order, however often the payment stage runs.
        `order-${orderId}`,
      );
      if (status !== 200 && status !== 201) throw new ProviderError(`PayPal refused the order: ${status} ${String(json.name ?? '')}`);
      const created = orderSchema.parse(json);
      const approve = created.links?.find((link) => link.rel === 'payer-action' || link.rel === 'approve')?.href;
      if (!approve) throw new ProviderError(`PayPal order ${created.id} has no approve link`);
      return { provider: 'paypal', paymentId: created.id, checkoutUrl: approve };
    },

    async verifyNotification(rawBody, headers) {
      await verifyPaypalWebhook(await credentials(), headers, rawBody);
      let event: { id?: unknown; event_type?: unknown; resource?: unknown };
      try {
        event = JSON.parse(rawBody) as typeof event;
      } catch {
        throw new DomainError('VALIDATION_ERROR', 'The PayPal event is not JSON', [{ path: 'body', message: 'malformed JSON' }]);
      }
      return parseEvent(event);
    },

    query: async (paymentId) => {
      const found = await order(paymentId);
      return found ? orderPayment(found) : null;
    },

    async capture(paymentId) {
      const { status, json } = await call('POST', `/v2/checkout/orders/${encodeURIComponent(paymentId)}/capture`, {}, `capture-${paymentId}`);
      if (status === 200 || status === 201) return orderPayment(orderSchema.parse(json));
      // Already captured (a retry after a lost answer), or not capturable: the order says which.
      const found = await order(paymentId);
      if (!found) throw new ProviderError(`PayPal has no order ${paymentId}`);
      return orderPayment(found);
    },

    async close(paymentId) {
      // Orders v2 cannot be voided, but only the merchant captures: an order we never
      // capture takes no money, and its approval lapses. So closed unless captured.
      const found = await order(paymentId);
      return found && orderPayment(found).status === 'SUCCEEDED' ? 'already-paid' : 'closed';
    },

    async refund({ orderId, paymentId, refundId, amountMinor, currency }) {
      const captureId = (await order(paymentId))?.purchase_units[0]?.payments?.captures?.[0]?.id;
      if (!captureId) return 'FAILED';
      const { status, json } = await call(
        'POST',
        `/v2/payments/captures/${encodeURIComponent(captureId)}/refund`,
        { amount: { currency_code: currency, value: minorToDecimal(amountMinor, currency) }, custom_id: orderId, invoice_id: refundId },
        refundId,
      );
      if (status === 200 || status === 201) return refundState(String(json.status));
      if (status === 422 || status === 400 || status === 403) return 'FAILED';
      throw new ProviderError(`PayPal refund answered ${status}`);
    },
  };
}

const approvedSchema = z.object({ id: z.string().check(z.minLength(1)), purchase_units: z.array(z.object({ custom_id: z.string().check(z.minLength(1)) })).check(z.minLength(1)) });
const captureEventSchema = z.object({ custom_id: z.string().check(z.minLength(1)), amount: amountSchema, supplementary_data: z.object({ related_ids: z.object({ order_id: z.string().check(z.minLength(1)) }) }) });
const refundEventSchema = z.object({ status: z.string(), custom_id: z.optional(z.string()), invoice_id: z.optional(z.string()) });

function parseEvent(event: { id?: unknown; event_type?: unknown; resource?: unknown }): ProviderNotification {
  const eventId = typeof event.id === 'string' && event.id ? event.id : null;
  const type = typeof event.event_type === 'string' ? event.event_type : '';
  if (!eventId) throw new DomainError('VALIDATION_ERROR', 'The PayPal event has no id', [{ path: 'body.id', message: 'required' }]);
  const resource = <T>(schema: z.ZodMiniType<T>): T => {
    const parsed = schema.safeParse(event.resource);
    if (!parsed.success) throw new DomainError('VALIDATION_ERROR', `The PayPal ${type} event's resource is unreadable`, [{ path: 'body.resource', message: parsed.error.issues[0]?.message ?? 'invalid' }]);
    return parsed.data;
  };
  switch (type) {
    case 'CHECKOUT.ORDER.APPROVED': {
      const order = resource(approvedSchema);
      return { kind: 'approved', eventId, orderId: order.purchase_units[0]!.custom_id, paymentId: order.id, provider: 'paypal' };
    }
    case 'PAYMENT.CAPTURE.COMPLETED':
    case 'PAYMENT.CAPTURE.DENIED':
    case 'PAYMENT.CAPTURE.DECLINED': {
      const capture = resource(captureEventSchema);
      const amountMinor = decimalToMinor(capture.amount.value, capture.amount.currency_code);
      if (amountMinor === null) throw new DomainError('VALIDATION_ERROR', 'The PayPal capture amount is unreadable', [{ path: 'body.resource.amount', message: 'a decimal amount' }]);
      const failed = type !== 'PAYMENT.CAPTURE.COMPLETED';
      return {
        kind: 'payment',
        eventId,
        orderId: capture.custom_id,
        report: { type: failed ? 'payment.failed' : 'payment.succeeded', provider: 'paypal', paymentId: capture.supplementary_data.related_ids.order_id, amountMinor, currency: capture.amount.currency_code },
      };
    }
    case 'PAYMENT.CAPTURE.REFUNDED': {
      // The refund resource carries what we sent with it: custom_id = order, invoice_id = refund id.
      const refund = resource(refundEventSchema);
      const state = refundState(refund.status);
      if (!refund.custom_id || !refund.invoice_id || state === 'PENDING') return { kind: 'ignored', eventId, eventType: type };
      return { kind: 'refund', eventId, orderId: refund.custom_id, paymentId: null, refundId: refund.invoice_id, state };
    }
    default:
      return { kind: 'ignored', eventId, eventType: type };
  }
}
