/**
 * PayPal, played locally: OAuth client credentials, Orders v2 (create with
 * PayPal-Request-Id, get, capture), capture refunds, and webhooks signed SHA256withRSA
 * over `transmissionId|time|webhookId|crc32(body)` with a certificate it serves itself
 * (made at start with openssl, as PayPal's own is X.509). The customer's approval is
 * the sandbox route's `succeed` (the ledger holds it as an approval); the merchant (our
 * adapter) then captures, which is when PayPal holds the money.
 */
import { execFileSync } from 'node:child_process';
import { createSign, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newUlid } from '../../../functions/shared/ids.js';
import { decimalToMinor, minorToDecimal } from '../../../functions/core/currency.js';
import { paypalSignedMessage } from '../../../functions/adapters/payments/paypal.js';
import { ProviderRefusal, type Outcome } from '../../../functions/sandbox/model.js';
import type { Sandbox, SandboxPayment } from '../sandbox.js';
import { jsonReply, notify, replayingByKey, standInServer, type NotificationOptions, type PaymentStandIn, type SignedNotification, type StandInReply, type StandInRequest } from './server.js';

/** A self-signed signing certificate and its key, as PayPal's messageverificationcerts one. */
function signingCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'paypal-stand-in-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=messageverificationcerts.paypal.com'], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CAPTURED = ['SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED'];

export async function startPaypalStandIn(ledger: Sandbox, apiUrl: string) {
  const clientId = `A${randomBytes(20).toString('base64url')}`;
  const clientSecret = `E${randomBytes(20).toString('base64url')}`;
  const webhookId = randomBytes(8).toString('hex').toUpperCase();
  const accessToken = `A21${randomBytes(24).toString('base64url')}`;
  const signing = signingCertificate();
  const notifyUrl = `${apiUrl}/webhooks/payments/paypal`;
  const error = (status: number, name: string, issue: string) => jsonReply(status, { name, details: [{ issue }], message: issue });
  const captureIdOf = (payment: SandboxPayment) => `CAP${payment.paymentId.slice(0, 14)}`;
  const amount = (payment: SandboxPayment) => ({ currency_code: payment.currency, value: minorToDecimal(payment.amountMinor, payment.currency) });

  const captureStatus = (payment: SandboxPayment) =>
    payment.status === 'FAILED' ? 'DECLINED' : payment.status === 'REFUNDED' ? 'REFUNDED' : payment.status === 'PARTIALLY_REFUNDED' ? 'PARTIALLY_REFUNDED' : 'COMPLETED';
  const capture = (payment: SandboxPayment) => ({
    id: captureIdOf(payment),
    status: captureStatus(payment),
    amount: amount(payment),
    custom_id: payment.orderId,
    supplementary_data: { related_ids: { order_id: payment.paymentId } },
  });
  const order = (payment: SandboxPayment) => {
    const done = CAPTURED.includes(payment.status) || payment.status === 'FAILED';
    const status = payment.status === 'CLOSED' ? 'VOIDED' : done ? 'COMPLETED' : ledger.approvals.has(payment.paymentId) ? 'APPROVED' : 'PAYER_ACTION_REQUIRED';
    return {
      id: payment.paymentId,
      intent: 'CAPTURE',
      status,
      purchase_units: [{ reference_id: payment.orderId, custom_id: payment.orderId, amount: amount(payment), ...(done ? { payments: { captures: [capture(payment)] } } : {}) }],
      links: [{ rel: 'payer-action', href: payment.checkoutUrl, method: 'GET' }],
    };
  };

  const event = (eventType: string, resource: unknown, options: NotificationOptions = {}): SignedNotification => {
    const eventId = options.eventId ?? `WH-${newUlid()}`;
    const rawBody = JSON.stringify({ id: eventId, event_version: '1.0', create_time: new Date().toISOString(), resource_type: eventType.split('.')[1]?.toLowerCase(), event_type: eventType, resource });
    const transmissionId = randomUUID();
    const time = new Date(Date.now() - (options.ageSeconds ?? 0) * 1000).toISOString();
    const key = options.forged ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey : signing.key;
    const signature = createSign('RSA-SHA256').update(paypalSignedMessage(transmissionId, time, webhookId, rawBody)).sign(key, 'base64');
    return {
      eventId,
      rawBody,
      headers: {
        'content-type': 'application/json',
        'paypal-transmission-id': transmissionId,
        'paypal-transmission-time': time,
        'paypal-transmission-sig': signature,
        'paypal-cert-url': `${server.url}/v1/notifications/certs/CERT-local`,
        'paypal-auth-algo': 'SHA256withRSA',
      },
    };
  };
  const send = (signed: SignedNotification) => notify(notifyUrl, signed.rawBody, signed.headers, signed.eventId);
  /** Approved and not captured yet: the approval; captured: the capture; a failed attempt: the capture denied. */
  const paymentNotification = (payment: SandboxPayment, outcome: Outcome, options?: NotificationOptions) => {
    if (outcome === 'fail') return event('PAYMENT.CAPTURE.DENIED', { ...capture(payment), status: 'DECLINED' }, options);
    return CAPTURED.includes(payment.status) ? event('PAYMENT.CAPTURE.COMPLETED', capture(payment), options) : event('CHECKOUT.ORDER.APPROVED', order(payment), options);
  };

  function handle(request: StandInRequest): StandInReply {
    if (request.method === 'GET' && request.path === '/v1/notifications/certs/CERT-local') return { status: 200, headers: { 'content-type': 'text/plain' }, body: signing.cert };
    if (request.method === 'GET' && request.path === '/checkoutnow') return { status: 200, headers: { 'content-type': 'text/html' }, body: `<h1>PayPal (local stand-in)</h1><p>${request.query.get('token') ?? ''}</p>` };
    if (request.method === 'POST' && request.path === '/v1/oauth2/token') {
      if (request.headers.authorization !== `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`) return jsonReply(401, { error: 'invalid_client' });
      return jsonReply(200, { scope: 'https://uri.paypal.com/services/payments/payment', access_token: accessToken, token_type: 'Bearer', expires_in: 32400 });
    }
    if (request.headers.authorization !== `Bearer ${accessToken}`) return error(401, 'AUTHENTICATION_FAILURE', 'INVALID_TOKEN');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a stand-in reads the adapter's JSON loosely, as the provider's server would
    const body = (request.body ? JSON.parse(request.body) : {}) as Record<string, any>;
    const segments = request.path.split('/').filter(Boolean);
    if (request.method === 'POST' && request.path === '/v2/checkout/orders') {
      const unit = body.purchase_units?.[0];
      const amountMinor = decimalToMinor(String(unit?.amount?.value ?? ''), String(unit?.amount?.currency_code ?? ''));
      if (body.intent !== 'CAPTURE' || typeof unit?.custom_id !== 'string' || amountMinor === null) return error(400, 'INVALID_REQUEST', 'MISSING_REQUIRED_PARAMETER');
      const id = randomBytes(9).toString('hex').toUpperCase().slice(0, 17);
      const payment = ledger.createPayment({ orderId: unit.custom_id, amountMinor, currency: unit.amount.currency_code }, { provider: 'paypal', paymentId: id, checkoutUrl: `${server.url}/checkoutnow?token=${id}` });
      return jsonReply(200, order(payment));
    }
    if (segments[0] === 'v2' && segments[1] === 'checkout' && segments[2] === 'orders' && segments[3]) {
      const payment = ledger.payments.get(segments[3]);
      if (!payment || payment.provider !== 'paypal') return error(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
      if (request.method === 'GET' && segments.length === 4) return jsonReply(200, order(payment));
      if (request.method === 'POST' && segments[4] === 'capture') {
        if (CAPTURED.includes(payment.status)) return error(422, 'UNPROCESSABLE_ENTITY', 'ORDER_ALREADY_CAPTURED');
        if (!ledger.merchantCapture(payment.paymentId)) return error(422, 'UNPROCESSABLE_ENTITY', payment.status === 'FAILED' ? 'INSTRUMENT_DECLINED' : 'ORDER_NOT_APPROVED');
        const after = ledger.payments.get(payment.paymentId)!;
        setImmediate(() => void send(event('PAYMENT.CAPTURE.COMPLETED', capture(after))).catch(() => undefined));
        return jsonReply(201, order(after));
      }
    }
    if (request.method === 'POST' && segments[0] === 'v2' && segments[1] === 'payments' && segments[2] === 'captures' && segments[4] === 'refund') {
      const payment = [...ledger.payments.values()].find((p) => p.provider === 'paypal' && captureIdOf(p) === segments[3] && CAPTURED.includes(p.status));
      if (!payment) return error(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
      const refundKey = String(request.headers['paypal-request-id'] ?? randomUUID());
      const amountMinor = decimalToMinor(String(body.amount?.value ?? ''), payment.currency) ?? payment.amountMinor - payment.refundedMinor;
      try {
        ledger.refund(payment.paymentId, refundKey, amountMinor);
      } catch (refusal) {
        if (!(refusal instanceof ProviderRefusal)) throw refusal;
        return error(422, 'UNPROCESSABLE_ENTITY', 'REFUND_AMOUNT_EXCEEDED');
      }
      const refund = { id: `RF${randomBytes(8).toString('hex').toUpperCase()}`, status: 'COMPLETED', amount: body.amount, custom_id: body.custom_id, invoice_id: body.invoice_id };
      setImmediate(() => void send(event('PAYMENT.CAPTURE.REFUNDED', refund)).catch(() => undefined));
      return jsonReply(201, refund);
    }
    return error(404, 'RESOURCE_NOT_FOUND', `no route ${request.method} ${request.path}`);
  }

  // PayPal-Request-Id: the same id gets the first successful answer again.
  const server = await standInServer(replayingByKey('paypal-request-id', handle, { keeps: (status) => status < 300 }));
  ledger.capturedByMerchant('paypal');
  ledger.registerNotifier('paypal', (payment, outcome, eventId) => send(paymentNotification(payment, outcome, { eventId })));

  return {
    name: 'paypal' as const,
    server,
    credentials: { clientId, clientSecret, webhookId, returnUrl: `${apiUrl}/sandbox/return`, cancelUrl: `${apiUrl}/sandbox/cancel`, apiBase: server.url, certUrlPrefixes: [`${server.url}/v1/notifications/certs/`] },
    paymentNotification,
  } satisfies PaymentStandIn;
}
