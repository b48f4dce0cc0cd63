/**
 * Stripe (the `stripe` package): a Checkout Session per order (its URL is the
 * `checkoutUrl`, its PaymentIntent takes the card), `Stripe-Signature` verified by
 * the package with a 300 s tolerance, refunds of the session's PaymentIntent with the
 * refund id as `Idempotency-Key`. `payment.paymentId` is the session id (`cs_…`).
 *
 * Credentials (JSON secret STRIPE_CREDENTIALS): `secretKey`, `webhookSecret` (several
 * `whsec_…` separated by spaces during a rotation), `successUrl`, optional
 * `cancelUrl` and `apiBase` (the local stand-in; Stripe's own API otherwise).
 */
import Stripe from 'stripe';
import * as z from 'zod/mini';
import { DomainError } from '../../core/errors.js';
import { splitSecrets } from '../signatures.js';
import { credentialsLoader } from './credentials.js';
import { ProviderError, type PaymentProvider, type ProviderNotification, type ProviderPayment, type RefundState, PROVIDER_FACTS } from './provider.js';

const credentialsSchema = z.object({
  secretKey: z.string().check(z.minLength(1)),
  webhookSecret: z.string().check(z.minLength(1)),
  successUrl: z.url(),
  cancelUrl: z.optional(z.url()),
  apiBase: z.optional(z.url()),
});

const TOLERANCE_SECONDS = 300;

function client(credentials: z.infer<typeof credentialsSchema>): Stripe {
  const base = credentials.apiBase ? new URL(credentials.apiBase) : null;
  return new Stripe(credentials.secretKey, {
    // The worker's own retries (SQS redelivery, backoff) carry the idempotency keys; one attempt per call here.
    maxNetworkRetries: 0,
    timeout: 8000,
    telemetry: false,
    ...(base ? { host: base.hostname, port: base.port, protocol: base.protocol.replace(':', '') as 'http' | 'https' } : {}),
  });
}

function refundState(status: string | null | undefined): RefundState {
  if (status === 'succeeded') return 'SUCCEEDED';
  if (status === 'failed' || status === 'canceled') return 'FAILED';
  return 'PENDING';
}

function sessionPayment(session: Stripe.Checkout.Session): ProviderPayment {
  const amount = { amountMinor: session.amount_total ?? 0, currency: (session.currency ?? '').toUpperCase() };
  if (session.status === 'complete' && session.payment_status === 'paid') return { status: 'SUCCEEDED', ...amount };
  if (session.status === 'expired') return { status: 'CLOSED', ...amount };
  return { status: 'PENDING', ...amount };
}

/** A Stripe API error that means "not what you asked for" (4xx), as opposed to an outage to retry. */
function isRefusal(error: unknown): error is Stripe.errors.StripeError {
  return error instanceof Stripe.errors.StripeInvalidRequestError;
}

export function stripeProvider(): PaymentProvider {
  const credentials = credentialsLoader('stripe', credentialsSchema);
  let stripe: Stripe | undefined;
  const api = async () => (stripe ??= client(await credentials()));

  async function paymentIntentOf(sessionId: string): Promise<string> {
    const session = await (await api()).checkout.sessions.retrieve(sessionId);
    const intent = typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id;
    if (!intent) throw new ProviderError(`Stripe session ${sessionId} has no PaymentIntent to refund`);
    return intent;
  }

  return {
    name: 'stripe',
    notificationAnswer: PROVIDER_FACTS.stripe.notificationAnswer,

    async createPayment({ orderId, amountMinor, currency }) {
      const { successUrl, cancelUrl } = await credentials();
      const session = await (await api()).checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [{ quantity: 1, price_data: { currency: currency.toLowerCase(), unit_amount: amountMinor, product_data: { name: `Order ${orderId}` } } }],
          client_reference_id: orderId,
          metadata: { orderId },
          payment_intent_data: { metadata: { orderId } },
          success_url: successUrl,
          ...(cancelUrl ? { cancel_url: cancelUrl } : {}),
        },
        // One session per order, however often the payment stage runs (Stripe keeps keys 24 h).
        { idempotencyKey: `checkout-${orderId}` },
      );
      if (!session.url) throw new ProviderError(`Stripe session ${session.id} has no URL`);
      return { provider: 'stripe', paymentId: session.id, checkoutUrl: session.url };
    },

    async verifyNotification(rawBody, headers) {
      const signature = headers['stripe-signature'];
      if (!signature) throw new DomainError('INVALID_SIGNATURE', 'The Stripe-Signature header is required');
      const stripeApi = await api();
      let event: Stripe.Event | undefined;
      for (const secret of splitSecrets((await credentials()).webhookSecret)) {
        try {
          event = stripeApi.webhooks.constructEvent(rawBody, signature, secret, TOLERANCE_SECONDS);
          break;
        } catch {
          // try the next secret (rotation)
        }
      }
      if (!event) throw new DomainError('INVALID_SIGNATURE', 'The Stripe-Signature does not verify or is older than 300 s');
      return parseEvent(event);
    },

    async query(paymentId) {
      try {
        return sessionPayment(await (await api()).checkout.sessions.retrieve(paymentId));
      } catch (error) {
        if (isRefusal(error) && error.statusCode === 404) return null;
        throw error;
      }
    },

    async close(paymentId) {
      try {
        await (await api()).checkout.sessions.expire(paymentId);
        return 'closed';
      } catch (error) {
        if (!isRefusal(error)) throw error;
        // Only an open session can be expired: it is either expired already or paid.
        const held = await this.query(paymentId);
        if (held?.status === 'CLOSED') return 'closed';
        if (held && held.status !== 'PENDING') return 'already-paid';
        throw error;
      }
    },

    async refund({ orderId, paymentId, refundId, amountMinor }) {
      const paymentIntent = await paymentIntentOf(paymentId);
      try {
        const refund = await (await api()).refunds.create(
          { payment_intent: paymentIntent, amount: amountMinor, metadata: { orderId, paymentId, refundId } },
          { idempotencyKey: refundId },
        );
        return refundState(refund.status);
      } catch (error) {
        // Refused outright (nothing left to refund, a charge disputed): recorded FAILED for an operator.
        if (isRefusal(error) && error.statusCode === 400) return 'FAILED';
        throw error;
      }
    },
  };
}

function required(value: string | null | undefined, what: string): string {
  if (!value) throw new DomainError('VALIDATION_ERROR', `The Stripe event has no ${what}`, [{ path: 'body', message: `missing ${what}` }]);
  return value;
}

function parseEvent(event: Stripe.Event): ProviderNotification {
  const eventId = event.id;
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
    case 'checkout.session.async_payment_failed': {
      const session = event.data.object;
      const failed = event.type === 'checkout.session.async_payment_failed';
      // A completed session with a delayed method is not paid yet: its async event follows.
      if (!failed && session.payment_status !== 'paid') return { kind: 'ignored', eventId, eventType: event.type };
      const orderId = required(session.client_reference_id ?? session.metadata?.orderId, 'client_reference_id');
      const { amountMinor, currency } = sessionPayment(session);
      return {
        kind: 'payment',
        eventId,
        orderId,
        report: { type: failed ? 'payment.failed' : 'payment.succeeded', provider: 'stripe', paymentId: session.id, amountMinor, currency },
      };
    }
    case 'refund.created':
    case 'refund.updated': {
      const refund = event.data.object;
      const state = refundState(refund.status);
      if (state === 'PENDING') return { kind: 'ignored', eventId, eventType: event.type };
      const { orderId, paymentId, refundId } = refund.metadata ?? {};
      // A refund made elsewhere (the dashboard) carries none of ours: nothing here to complete.
      if (!orderId || !paymentId || !refundId) return { kind: 'ignored', eventId, eventType: event.type };
      return { kind: 'refund', eventId, orderId, paymentId, refundId, state };
    }
    default:
      return { kind: 'ignored', eventId, eventType: event.type };
  }
}
