/**
 * Operator routes (role `ops`), beyond API.md's contract: dead-letter queues and the
 * stranded-order reconciler on demand. The executions themselves are watched in the
 * Step Functions console (or ListExecutions locally).
 */
import { validation } from './contract.js';
import { DomainError } from '../core/errors.js';
import { refundPartially } from '../services/refunds.js';
import { listReturnsByStatus, publicReturn } from '../adapters/returns.js';
import { page } from './paging.js';
import { publicOrder } from '../adapters/orders.js';
import { paymentProvidersFromEnv } from '../adapters/payments/registry.js';
import { logger } from '../shared/powertools.js';
import { httpHandler, json, requiredIdempotencyKey, route } from './http-handler.js';

const payments = paymentProvidersFromEnv();

// Operators call these routes now and then: the dead-letter queues (the SQS client), the
// reconciler and return decisions (the Step Functions client) load on their first call,
// not at every cold start of this function.
const deadLetters = () => import('../adapters/dead-letters.js');
const returnDecisions = () => import('../services/returns.js');
const reconciler = () => import('../services/reconcile.js');

async function queueOf(stage: string) {
  const queues = (await deadLetters()).stageQueuesFromEnv();
  const queue = queues.find((q) => q.stage === stage);
  if (!queue) throw new DomainError('NOT_FOUND', `No stage ${stage}; stages: ${queues.map((q) => q.stage).join(', ')}`);
  return queue;
}

/** An operator's verdict on a requested return. */
function verdictRoute(verdict: 'APPROVED' | 'REJECTED') {
  return route({
    ...validation(verdict === 'APPROVED' ? 'POST /ops/returns/{returnId}/approve' : 'POST /ops/returns/{returnId}/reject'),
    async handle({ params, body, principal }) {
      const ret = await (await returnDecisions()).decideReturn(params.returnId, verdict, body?.note);
      logger.info('return decided by an operator', { returnId: params.returnId, verdict, operator: principal!.sub });
      return json(200, publicReturn(ret));
    },
  });
}

export const handler = httpHandler({
  'GET /ops/dead-letters': route({
    ...validation('GET /ops/dead-letters'),
    async handle() {
      const { peekDeadLetters, stageQueuesFromEnv } = await deadLetters();
      return json(200, { items: await Promise.all(stageQueuesFromEnv().map(peekDeadLetters)) });
    },
  }),
  'POST /ops/dead-letters/{stage}/redrive': route({
    ...validation('POST /ops/dead-letters/{stage}/redrive'),
    async handle({ params, principal }) {
      const queue = await queueOf(params.stage);
      const { moved, taskHandle } = await (await deadLetters()).redriveDeadLetters(queue);
      logger.info('dead letters redriven', { stage: params.stage, moved, taskHandle, operator: principal!.sub });
      return json(200, { stage: params.stage, moved, taskHandle });
    },
  }),
  'POST /ops/orders/{orderId}/refunds': route({
    ...validation('POST /ops/orders/{orderId}/refunds'),
    async handle({ params, body, headers, principal }) {
      const { order, replayed } = await refundPartially(params.orderId, { ...body, key: requiredIdempotencyKey(headers) }, payments);
      logger.info('partial refund requested', { orderId: params.orderId, amountMinor: body.amountMinor, replayed, operator: principal!.sub });
      return json(201, publicOrder(order), replayed ? { 'idempotent-replayed': 'true' } : {});
    },
  }),
  'POST /ops/returns/{returnId}/approve': verdictRoute('APPROVED'),
  'POST /ops/returns/{returnId}/reject': verdictRoute('REJECTED'),
  'GET /ops/returns': route({
    ...validation('GET /ops/returns'),
    async handle({ query }) {
      const { items, nextCursor } = await page(query.cursor, (startKey) => listReturnsByStatus(query.status, query.limit, startKey));
      return json(200, { items: items.map(publicReturn), nextCursor });
    },
  }),
  'POST /ops/reconcile': route({
    ...validation('POST /ops/reconcile'),
    async handle() {
      return json(200, await (await reconciler()).reconcile());
    },
  }),
});
