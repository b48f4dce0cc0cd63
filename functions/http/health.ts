/**
 * GET /health: 200 once what the API needs answers. It reads the table (the one
 * dependency every route has); a function that cannot load at all is caught before
 * deployment (synth checks the configuration, a test cold-loads every bundle) and,
 * locally, before the stack says it is ready.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../adapters/aws-clients.js';
import { tableName } from '../adapters/keys.js';
import { logger } from '../shared/powertools.js';
import { validation } from './contract.js';
import { httpHandler, json, route } from './http-handler.js';

const TABLE = tableName();

export const handler = httpHandler({
  'GET /health': route({
    ...validation('GET /health'),
    async handle() {
      try {
        await dynamo.send(new GetCommand({ TableName: TABLE, Key: { pk: 'HEALTH', sk: 'HEALTH' } }));
        return json(200, { status: 'ok' });
      } catch (error) {
        logger.error('health check failed: the table does not answer', { error: error as Error });
        return { status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '5' }, body: { type: 'about:blank', title: 'Service unavailable', status: 503, code: 'INTERNAL_ERROR', detail: 'A dependency of the API does not answer yet.' } };
      }
    },
  }),
});
