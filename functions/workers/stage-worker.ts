/**
 * The shared shape of every SQS-triggered stage handler: parse each record's task
 * message, run the action, report failed records individually (ReportBatchItemFailures)
 * so one bad message neither blocks nor re-runs its batch-mates. A record that keeps
 * failing lands in the stage's DLQ after maxReceiveCount; each failure is logged with
 * its order id and counted.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord, Context } from 'aws-lambda';
// zod's mini build: the same validation, a fraction of the load time (workers validate one small message shape).
import * as z from 'zod/mini';
import { ORDER_ID_PATTERN } from '../core/order.js';
import { RETURN_ID_PATTERN } from '../core/returns.js';
import { count, flushMetrics, logger } from '../shared/powertools.js';

export const taskMessage = z.object({
  action: z.string(),
  orderId: z.string().check(z.regex(ORDER_ID_PATTERN)),
  /** The return workflow's messages name their return too. */
  returnId: z.optional(z.string().check(z.regex(RETURN_ID_PATTERN))),
  taskToken: z.string().check(z.minLength(1)),
  failure: z.optional(z.looseObject({ Error: z.optional(z.string()), Cause: z.optional(z.string()), reason: z.optional(z.string()) })),
});
export type TaskMessage = z.infer<typeof taskMessage>;

export type ActionHandler = (message: TaskMessage, record: SQSRecord) => Promise<void>;

export function stageWorker(stage: string, actions: Record<string, ActionHandler>) {
  const processor = new BatchProcessor(EventType.SQS);
  const handleRecord = async (record: SQSRecord) => {
    let message: TaskMessage | undefined;
    try {
      message = taskMessage.parse(JSON.parse(record.body));
      const action = actions[message.action];
      if (!action) throw new Error(`${stage} worker has no action ${message.action}`);
      await action(message, record);
      logger.info('stage message handled', { stage, action: message.action, orderId: message.orderId, receiveCount: record.attributes.ApproximateReceiveCount });
    } catch (error) {
      logger.error('stage message failed', {
        stage,
        orderId: message?.orderId,
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: error as Error,
      });
      await count('StageMessageFailed');
      throw error;
    }
  };
  return async (event: SQSEvent, context: Context) => {
    try {
      return await processPartialResponse(event, handleRecord, processor, { context });
    } finally {
      flushMetrics();
    }
  };
}
