/**
 * Outbound webhook endpoints and their deliveries (API.md "Events to other systems"),
 * for operators: register (URL checked, secret shown once), list, delete, see each
 * delivery's attempts, and send one again.
 */
import { DomainError } from '../core/errors.js';
import { deleteEndpoint, getEndpoint, listDeliveries, listEndpoints, type Delivery, type WebhookEndpoint } from '../adapters/events.js';
import { logger } from '../shared/powertools.js';
import { page } from './paging.js';
import { validation } from './contract.js';
import { httpHandler, json, route } from './http-handler.js';

// Operators call these now and then: the service (URL checks, the SQS client for a retry) loads on first use.
const endpoints = () => import('../services/webhook-deliveries.js');

const shown = ({ endpointId, url, events, description, createdAt }: WebhookEndpoint) => ({ endpointId, url, events, description, createdAt });
const deliveryView = ({ eventId, type, status, attempts, lastAttemptAt, lastResponseStatus }: Delivery) => ({ eventId, type, status, attempts, lastAttemptAt, lastResponseStatus });

export const handler = httpHandler({
  'POST /ops/webhook-endpoints': route({
    ...validation('POST /ops/webhook-endpoints'),
    async handle({ body, principal }) {
      const endpoint = await (await endpoints()).registerEndpoint(body);
      logger.info('webhook endpoint registered', { endpointId: endpoint.endpointId, operator: principal!.sub });
      // The secret is shown here only.
      return json(201, { ...shown(endpoint), secret: endpoint.secret }, { location: `/ops/webhook-endpoints/${endpoint.endpointId}` });
    },
  }),
  'GET /ops/webhook-endpoints': route({
    ...validation('GET /ops/webhook-endpoints'),
    async handle() {
      return json(200, { items: (await listEndpoints()).map(shown) });
    },
  }),
  'DELETE /ops/webhook-endpoints/{endpointId}': route({
    ...validation('DELETE /ops/webhook-endpoints/{endpointId}'),
    async handle({ params, principal }) {
      if (!(await deleteEndpoint(params.endpointId))) throw new DomainError('NOT_FOUND', `No webhook endpoint ${params.endpointId}`);
      logger.info('webhook endpoint deleted', { endpointId: params.endpointId, operator: principal!.sub });
      return { status: 204 };
    },
  }),
  'GET /ops/webhook-endpoints/{endpointId}/deliveries': route({
    ...validation('GET /ops/webhook-endpoints/{endpointId}/deliveries'),
    async handle({ params, query }) {
      if (!(await getEndpoint(params.endpointId))) throw new DomainError('NOT_FOUND', `No webhook endpoint ${params.endpointId}`);
      const { items, nextCursor } = await page(query.cursor, (startKey) => listDeliveries(params.endpointId, query.status, query.limit, startKey));
      return json(200, { items: items.map(deliveryView), nextCursor });
    },
  }),
  'POST /ops/webhook-endpoints/{endpointId}/deliveries/{eventId}/retry': route({
    ...validation('POST /ops/webhook-endpoints/{endpointId}/deliveries/{eventId}/retry'),
    async handle({ params, principal }) {
      await (await endpoints()).retryDelivery(params.endpointId, params.eventId);
      logger.info('webhook delivery retried', { ...params, operator: principal!.sub });
      return json(202, { endpointId: params.endpointId, eventId: params.eventId, status: 'PENDING' });
    },
  }),
});
