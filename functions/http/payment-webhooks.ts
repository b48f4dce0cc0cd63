/**
 * POST /webhooks/payments/{provider}: verify, record by event id, then act.
 * 200 only once the event is durably recorded; a duplicate id changes nothing.
 */
import { DomainError } from '../core/errors.js';
import { providerParams, sandboxPaymentEvent } from '../core/schemas.js';
import { markProcessed, recordEvent } from '../adapters/inbox.js';
import { webhookSecret } from '../adapters/secrets.js';
import { verifyStandardWebhook } from '../adapters/signatures.js';
import { paymentProviderFromEnv } from '../adapters/payment-provider.js';
import { applyPaymentEvent } from '../services/payments.js';
import { logger } from '../shared/powertools.js';
import { httpHandler, json, route } from './http-handler.js';
import { parseWebhookBody } from './webhook-body.js';

const payments = paymentProviderFromEnv();

export const handler = httpHandler({
  'POST /webhooks/payments/{provider}': route({
    access: 'public',
    params: providerParams,
    readsRawBody: true,
    async handle({ params, rawBody, headers }) {
      if (params.provider !== 'sandbox') {
        // Stripe's scheme is not wired yet: refuse rather than accept unverified money events.
        throw new DomainError('INVALID_SIGNATURE', `Webhooks from ${params.provider} are not enabled`);
      }
      const eventId = verifyStandardWebhook(await webhookSecret('PAYMENT_WEBHOOK_SECRET'), rawBody, headers);
      const event = parseWebhookBody(sandboxPaymentEvent, rawBody);
      const source = `payments-${params.provider}`;
      if (!(await recordEvent(source, eventId, event))) {
        logger.info('duplicate payment webhook ignored', { eventId, orderId: event.data.orderId });
        return json(200, { received: true, duplicate: true });
      }
      const { paymentId, orderId, amountMinor, currency } = event.data;
      const outcome = await applyPaymentEvent(orderId, { type: event.type, provider: params.provider, paymentId, amountMinor, currency }, payments);
      await markProcessed(source, eventId, outcome);
      logger.info('payment webhook applied', { eventId, orderId: event.data.orderId, type: event.type, outcome });
      return json(200, { received: true });
    },
  }),
});
