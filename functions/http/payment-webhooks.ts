/**
 * POST /webhooks/payments/{provider}: the provider's own scheme verifies the raw body
 * first (functions/adapters/payments/<provider>.ts); the event is then recorded by the
 * provider's id for it, then acted on. The provider's success answer is sent only once
 * the event is durably recorded; a duplicate id changes nothing.
 */
import { validation } from './contract.js';
import { DomainError } from '../core/errors.js';
import { markProcessed, recordEvent } from '../adapters/inbox.js';
import { paymentProvidersFromEnv, providerConfigured } from '../adapters/payments/registry.js';
import type { PaymentProvider } from '../adapters/payments/provider.js';
import { applyNotification } from '../services/payments.js';
import { logger } from '../shared/powertools.js';
import { httpHandler, route, type Reply } from './http-handler.js';

const payments = paymentProvidersFromEnv();

function answer(provider: PaymentProvider): Reply {
  const { statusCode, contentType, body } = provider.notificationAnswer;
  return { status: statusCode, ...(body !== undefined ? { text: body, headers: { 'content-type': contentType ?? 'text/plain' } } : {}) };
}

export const handler = httpHandler({
  'POST /webhooks/payments/{provider}': route({
    ...validation('POST /webhooks/payments/{provider}'),
    readsRawBody: true,
    async handle({ params, rawBody, headers }) {
      // A provider this deployment has no credentials for cannot have signed anything.
      if (!providerConfigured(params.provider)) throw new DomainError('INVALID_SIGNATURE', `Payments with ${params.provider} are not enabled here`);
      const provider = payments.named(params.provider);
      const notification = await provider.verifyNotification(rawBody, headers);
      const source = `payments-${provider.name}`;
      if (!(await recordEvent(source, notification.eventId, notification))) {
        logger.info('duplicate payment notification ignored', { provider: provider.name, eventId: notification.eventId });
        return answer(provider);
      }
      const outcome = await applyNotification(notification, payments);
      await markProcessed(source, notification.eventId, outcome);
      logger.info('payment notification applied', { provider: provider.name, eventId: notification.eventId, kind: notification.kind, orderId: 'orderId' in notification ? notification.orderId : undefined, outcome });
      return answer(provider);
    },
  }),
});
