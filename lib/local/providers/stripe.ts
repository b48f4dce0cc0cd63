/**
 * Stripe, played locally: the parts of its API the adapter calls (Checkout Sessions,
 * expire, refunds with Idempotency-Key, bearer secret key) and its signed events
 * (`Stripe-Signature: t=…,v1=hex(HMAC-SHA256(secret, "t.body"))`), with a secret key
 * and webhook secret made at start. Payments live in the shared ledger (Sandbox).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { newUlid } from '../../../functions/shared/ids.js';
import { AlreadyPaid, ProviderRefusal, type Outcome } from '../../../functions/sandbox/model.js';
import type { Sandbox, SandboxPayment } from '../sandbox.js';
import { jsonReply, notify, replayingByKey, standInServer, type NotificationOptions, type PaymentStandIn, type SignedNotification, type StandInReply, type StandInRequest } from './server.js';

type Form = { [key: string]: string | Form };

/** Stripe's form encoding (`a[b][0][c]=v`) as nested objects. */
function parseForm(body: string): Form {
  const out: Form = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, '').split('[');
    let node = out;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Form;
    });
  }
  return out;
}

const error = (status: number, message: string, code?: string): StandInReply => jsonReply(status, { error: { type: 'invalid_request_error', message, ...(code ? { code } : {}) } });

export function signStripe(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export async function startStripeStandIn(ledger: Sandbox, apiUrl: string) {
  const secretKey = `sk_test_${randomBytes(12).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const refundsById = new Map<string, { id: string; status: string; amount: number; payment_intent: string; metadata: Form }>();
  const intentOf = (payment: SandboxPayment) => `pi_${payment.paymentId.slice(3)}`;

  const session = (payment: SandboxPayment) => {
    const paid = ['SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED'].includes(payment.status);
    return {
      id: payment.paymentId,
      object: 'checkout.session',
      url: payment.checkoutUrl,
      status: payment.status === 'CLOSED' ? 'expired' : paid ? 'complete' : 'open',
      payment_status: paid ? 'paid' : 'unpaid',
      amount_total: payment.amountMinor,
      currency: payment.currency.toLowerCase(),
      client_reference_id: payment.orderId,
      metadata: { orderId: payment.orderId },
      payment_intent: paid ? intentOf(payment) : null,
    };
  };

  /** An event as Stripe sends it: signed with the webhook secret (or, for tests, another one), `ageSeconds` old. */
  const event = (type: string, object: unknown, options: NotificationOptions = {}): SignedNotification => {
    const eventId = options.eventId ?? `evt_${newUlid()}`;
    const rawBody = JSON.stringify({ id: eventId, object: 'event', api_version: '2025-01-01', created: Math.floor(Date.now() / 1000), livemode: false, type, data: { object } });
    const secret = options.forged ? `whsec_${randomBytes(24).toString('base64')}` : webhookSecret;
    const timestamp = Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0);
    return { eventId, rawBody, headers: { 'content-type': 'application/json', 'stripe-signature': signStripe(secret, rawBody, timestamp) } };
  };
  const deliver = (type: string, object: unknown, eventId?: string) => {
    const signed = event(type, object, { eventId });
    return notify(`${apiUrl}/webhooks/payments/stripe`, signed.rawBody, signed.headers, signed.eventId);
  };
  const paymentEvent = (payment: SandboxPayment, outcome: Outcome, options?: NotificationOptions) =>
    event(outcome === 'succeed' ? 'checkout.session.completed' : 'checkout.session.async_payment_failed', session(payment), options);

  function handle(request: StandInRequest): StandInReply {
    // The hosted checkout page the customer opens (no API key: it is the customer's browser).
    if (request.method === 'GET' && request.path.startsWith('/c/pay/')) {
      const payment = ledger.payments.get(request.path.slice('/c/pay/'.length));
      if (!payment) return { status: 404, body: 'No such checkout session' };
      return { status: 200, headers: { 'content-type': 'text/html' }, body: `<h1>Stripe Checkout (local stand-in)</h1><p>${payment.paymentId}: ${payment.amountMinor} ${payment.currency}</p>` };
    }
    if (request.headers.authorization !== `Bearer ${secretKey}`) return error(401, 'Invalid API Key provided');
    const form = parseForm(request.body);
    const segments = request.path.split('/').filter(Boolean);
    if (request.method === 'POST' && request.path === '/v1/checkout/sessions') {
      const line = ((form.line_items as Form | undefined)?.['0'] as Form | undefined) ?? {};
      const price = (line.price_data as Form | undefined) ?? {};
      const amount = Number(price.unit_amount) * Number(line.quantity ?? 1);
      if (!Number.isSafeInteger(amount) || typeof price.currency !== 'string' || typeof form.client_reference_id !== 'string' || typeof form.success_url !== 'string') {
        return error(400, 'Missing required param: line_items, client_reference_id or success_url');
      }
      const paymentId = `cs_test_${newUlid()}`;
      const payment = ledger.createPayment(
        { orderId: form.client_reference_id, amountMinor: amount, currency: price.currency.toUpperCase() },
        { provider: 'stripe', paymentId, checkoutUrl: `${server.url}/c/pay/${paymentId}` },
      );
      return jsonReply(200, session(payment));
    }
    if (segments[0] === 'v1' && segments[1] === 'checkout' && segments[2] === 'sessions' && segments[3]) {
      const payment = ledger.payments.get(segments[3]);
      if (!payment || payment.provider !== 'stripe') return error(404, `No such checkout.session: '${segments[3]}'`, 'resource_missing');
      if (request.method === 'GET' && segments.length === 4) return jsonReply(200, session(payment));
      if (request.method === 'POST' && segments[4] === 'expire') {
        try {
          return jsonReply(200, session(ledger.close(payment.paymentId)!));
        } catch (refusal) {
          if (!(refusal instanceof AlreadyPaid)) throw refusal;
          return error(400, 'Only Checkout Sessions with a status in ["open"] can be expired.');
        }
      }
    }
    if (request.method === 'POST' && request.path === '/v1/refunds') {
      const payment = [...ledger.payments.values()].find((p) => p.provider === 'stripe' && intentOf(p) === form.payment_intent);
      if (!payment) return error(404, `No such payment_intent: '${String(form.payment_intent)}'`, 'resource_missing');
      const metadata = (form.metadata as Form | undefined) ?? {};
      const refundKey = String(request.headers['idempotency-key'] ?? `re_${newUlid()}`);
      try {
        ledger.refund(payment.paymentId, refundKey, Number(form.amount ?? payment.amountMinor - payment.refundedMinor));
      } catch (refusal) {
        if (!(refusal instanceof ProviderRefusal)) throw refusal;
        return error(400, refusal.message, 'charge_already_refunded');
      }
      const refund = { id: `re_${newUlid()}`, object: 'refund', status: 'succeeded', amount: Number(form.amount), payment_intent: intentOf(payment), metadata };
      refundsById.set(refund.id, refund);
      // Stripe tells of the refund by event as well.
      setImmediate(() => void deliver('refund.updated', refund).catch(() => undefined));
      return jsonReply(200, refund);
    }
    return error(404, `Unrecognized request URL (${request.method}: ${request.path})`);
  }

  // Stripe replays a key's first answer (errors too, but not its own failures).
  const server = await standInServer(replayingByKey('idempotency-key', handle, { keeps: (status) => status < 500, markReplay: 'idempotent-replayed' }));

  ledger.registerNotifier('stripe', (payment, outcome, eventId) => {
    const signed = paymentEvent(payment, outcome, { eventId });
    return notify(`${apiUrl}/webhooks/payments/stripe`, signed.rawBody, signed.headers, signed.eventId);
  });

  return {
    name: 'stripe' as const,
    server,
    /** What the adapter is configured with, as an operator would copy it from Stripe's dashboard. */
    credentials: { secretKey, webhookSecret, successUrl: `${apiUrl}/sandbox/return`, apiBase: server.url },
    paymentNotification: paymentEvent,
  } satisfies PaymentStandIn;
}
