/**
 * Outbound webhook deliveries: each SQS message names one delivery (an event to an
 * endpoint); its attempt is made when due (services/webhook-deliveries.ts). Messages are
 * attempted side by side, so a slow endpoint holds only its own messages, never
 * another endpoint's, and the order workflow never waits on any of them.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { attemptDelivery, retryScheduleFromEnv } from '../services/webhook-deliveries.js';

const message = z.object({ endpointId: z.string().check(z.minLength(1)), eventId: z.string().check(z.minLength(1)) });
const schedule = retryScheduleFromEnv();
const processor = new BatchProcessor(EventType.SQS);

const handleRecord = async (record: SQSRecord) => {
  const { endpointId, eventId } = message.parse(JSON.parse(record.body));
  await attemptDelivery(endpointId, eventId, schedule);
};

export const handler = async (event: SQSEvent, context: Context) => processPartialResponse(event, handleRecord, processor, { context });
