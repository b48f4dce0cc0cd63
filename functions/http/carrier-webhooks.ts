/** POST /webhooks/carriers/{carrier}: verify, record by event id, then add to the shipment. */
import { carrierEvent, carrierParams } from '../core/schemas.js';
import { markProcessed, recordEvent } from '../adapters/inbox.js';
import { webhookSecret } from '../adapters/secrets.js';
import { verifyStandardWebhook } from '../adapters/signatures.js';
import { applyCarrierEvent } from '../services/lifecycle.js';
import { logger } from '../shared/powertools.js';
import { httpHandler, json, route } from './http-handler.js';
import { parseWebhookBody } from '../core/webhook-body.js';

export const handler = httpHandler({
  'POST /webhooks/carriers/{carrier}': route({
    access: 'public',
    params: carrierParams,
    readsRawBody: true,
    async handle({ params, rawBody, headers }) {
      const eventId = verifyStandardWebhook(await webhookSecret('CARRIER_WEBHOOK_SECRET'), rawBody, headers);
      const event = parseWebhookBody(carrierEvent, rawBody);
      const source = `carriers-${params.carrier}`;
      if (!(await recordEvent(source, eventId, event))) {
        logger.info('duplicate carrier webhook ignored', { eventId });
        return json(200, { received: true, duplicate: true });
      }
      const outcome = await applyCarrierEvent(event);
      await markProcessed(source, eventId, outcome);
      logger.info('carrier webhook applied', { eventId, status: event.data.status, outcome });
      return json(200, { received: true });
    },
  }),
});
