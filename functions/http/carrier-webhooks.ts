/**
 * POST /webhooks/carriers/{carrier}: the carrier's own scheme verifies the raw body
 * first (functions/adapters/carriers/<carrier>.ts); the push is then recorded by its
 * id, then its events are added to the shipment. The carrier's success answer is sent
 * only once the push is durably recorded; a duplicate changes nothing.
 */
import { validation } from './contract.js';
import { DomainError } from '../core/errors.js';
import { markProcessed, recordEvent } from '../adapters/inbox.js';
import { carrierConfigured, carriersFromEnv } from '../adapters/carriers/registry.js';
import type { Carrier } from '../adapters/carriers/carrier.js';
import { applyTrackingPush } from '../services/lifecycle.js';
import { logger } from '../shared/powertools.js';
import { httpHandler, route, type Reply } from './http-handler.js';

const carriers = carriersFromEnv();

function answer(carrier: Carrier): Reply {
  const { statusCode, contentType, body } = carrier.pushAnswer;
  return { status: statusCode, text: body, headers: { 'content-type': contentType } };
}

export const handler = httpHandler({
  'POST /webhooks/carriers/{carrier}': route({
    ...validation('POST /webhooks/carriers/{carrier}'),
    readsRawBody: true,
    async handle({ params, rawBody, headers }) {
      if (!carrierConfigured(params.carrier)) throw new DomainError('INVALID_SIGNATURE', `Tracking from ${params.carrier} is not enabled here`);
      const carrier = carriers.forWebhook(params.carrier);
      const push = await carrier.verifyPush(rawBody, headers);
      const source = `carriers-${params.carrier}`;
      // Recorded without event texts: they can name the recipient or the courier.
      const record = { trackingNumber: push.trackingNumber, events: push.events, subscription: push.subscription?.state };
      if (!(await recordEvent(source, push.eventId, record))) {
        logger.info('duplicate tracking push ignored', { carrier: params.carrier, eventId: push.eventId });
        return answer(carrier);
      }
      const outcome = await applyTrackingPush(push);
      await markProcessed(source, push.eventId, outcome);
      logger.info('tracking push applied', { carrier: params.carrier, eventId: push.eventId, events: push.events.length, outcome });
      return answer(carrier);
    },
  }),
});
