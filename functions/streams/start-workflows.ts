/**
 * New orders in, their executions started: the order's own write is the outbox, so an
 * order written is an order started (or, once the stream's retries are spent, parked
 * in its DLQ and started by the reconciler). The request that placed the order does
 * not wait for Step Functions, and a start that is throttled (StartExecution's refill
 * is 300 per second by default) waits in the stream instead of failing the order.
 * Lambda's event filter passes only orders' INSERTs (lib/topology.ts).
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { startOrderExecution } from '../services/order-workflow.js';
import { pooled } from '../shared/pooled.js';
import { logger } from '../shared/powertools.js';
// It calls Step Functions on (nearly) every invocation: the client loads at start, not with the first call.
import '../adapters/sfn-client.js';

/** Starts at once per batch (StartExecution calls in flight from one invocation). */
const CONCURRENCY = 10;

export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const failed = new Set<string>();
  await pooled(event.Records, CONCURRENCY, async (record) => {
    const order = record.dynamodb?.NewImage ? unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>) : undefined;
    if (order?.type !== 'order' || order.status !== 'PENDING_PAYMENT') return;
    try {
      await startOrderExecution({ orderId: order.orderId, paymentDeadline: order.paymentDeadline });
    } catch (error) {
      logger.error('starting an order\'s workflow failed; the stream retries it', { orderId: order.orderId, error: error as Error });
      failed.add(record.dynamodb!.SequenceNumber!);
    }
  });
  // The stream retries from the first failure on (starting the later ones again is harmless).
  const first = event.Records.find((record) => failed.has(record.dynamodb!.SequenceNumber!));
  return { batchItemFailures: first ? [{ itemIdentifier: first.dynamodb!.SequenceNumber! }] : [] };
}
