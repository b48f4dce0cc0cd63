/**
 * SQS event source mappings, as Lambda runs them: long-poll the queue, hand the
 * function a batch of up to `batchSize` records, delete the records it did not
 * report in `batchItemFailures` (ReportBatchItemFailures), leave the rest to become
 * visible again after the visibility timeout. A thrown error fails the whole batch.
 * Redrive to the DLQ after maxReceiveCount is the queue's own (fauxqs implements it).
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { LoadedHandler } from './isolated-function.js';
import type { Hold } from './hold.js';

export interface EventSourceMapping {
  functionName: string;
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  handler: LoadedHandler;
  /** Concurrent pollers, as Lambda scales its pollers with the backlog. */
  pollers?: number;
  /** While held, no poller takes messages. */
  hold?: Hold;
}

function toRecord(message: Message, queueArn: string) {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

export function startEventSource(sqs: SQSClient, mapping: EventSourceMapping, onError: (error: unknown) => void): () => Promise<void> {
  let running = true;
  const abort = new AbortController();
  const poll = async () => {
    while (running) {
      await mapping.hold?.passed();
      if (!running) return;
      try {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: mapping.queueUrl,
            MaxNumberOfMessages: mapping.batchSize,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        if (!Messages?.length || !running) continue;
        // Received in a poll that began before a hold: kept until it is released.
        await mapping.hold?.passed();
        const event = { Records: Messages.map((m) => toRecord(m, mapping.queueArn)) } as SQSEvent;
        let failed = new Set(Messages.map((m) => m.MessageId!));
        try {
          const response = (await mapping.handler(event)) as SQSBatchResponse | undefined;
          failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch {
          // The whole batch failed: every record returns to the queue.
        }
        const done = Messages.filter((m) => !failed.has(m.MessageId!));
        if (done.length) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: mapping.queueUrl,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
      } catch (error) {
        if (!running) return;
        onError(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };
  const pollers = Array.from({ length: mapping.pollers ?? 2 }, poll);
  return async () => {
    running = false;
    abort.abort();
    await Promise.allSettled(pollers);
  };
}
