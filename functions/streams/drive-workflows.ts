/**
 * The order workflow driven from the order's own record (the record is the outbox):
 *
 * - a new order (INSERT): its execution is started. The request that placed it does not
 *   wait for Step Functions, and a start that is throttled (StartExecution's refill is
 *   300 per second by default) waits in the stream instead of failing the order.
 * - a change that makes the open task resolvable (MODIFY: paid, packed, shipped,
 *   cancelled, compensated with a recorded task token; a return's goods received): the
 *   task is signalled (core/task-signals.ts). A webhook, the warehouse or a cancel only
 *   writes its decision; no crash between that write and Step Functions can lose the
 *   signal, and none of them carries a Step Functions client.
 *
 * A failing record is retried from the stream; once its retries are spent it is parked
 * in the function's DLQ (alarmed): the reconciler starts a parked order, and a parked
 * signal's stage deadline ends the wait (compensation finds the order moved on and the
 * workflow resumes from there; a return's wait, at its ship-by deadline). Lambda's event
 * filter passes only orders' INSERTs and the MODIFYs of orders and returns with a task
 * token (lib/topology.ts).
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { returnSignalOwed, signalOwed, type ReturnTaskHolder, type TaskHolder } from '../core/task-signals.js';
import { answerTask } from '../adapters/workflow.js';
import { startOrderExecution } from '../services/order-workflow.js';
import { pooled } from '../shared/pooled.js';
import { logger } from '../shared/powertools.js';
// It calls Step Functions on (nearly) every invocation: the client loads at start, not with the first call.
import '../adapters/sfn-client.js';

/** Calls at once per batch (Step Functions calls in flight from one invocation). */
const CONCURRENCY = 10;

type Image = { type?: string; orderId: string } & (({ type: 'order'; paymentDeadline: string } & TaskHolder) | ({ type: 'return'; returnId: string } & ReturnTaskHolder));

/** The attributes the driver reads: an order image carries its lines and history too, left marshalled. */
const READ = ['type', 'orderId', 'returnId', 'status', 'paymentDeadline', 'taskToken', 'taskStage', 'cancellation'] as const;

function imageOf(image: Record<string, unknown> | undefined): Image | undefined {
  if (!image) return undefined;
  const read = Object.fromEntries(READ.filter((name) => image[name] !== undefined).map((name) => [name, image[name]]));
  return unmarshall(read as Record<string, AttributeValue>) as Image;
}

async function drive(record: DynamoDBRecord): Promise<void> {
  const after = imageOf(record.dynamodb?.NewImage);
  if (!after) return;
  if (after.type === 'order' && record.eventName === 'INSERT') {
    if (after.status === 'PENDING_PAYMENT') await startOrderExecution({ orderId: after.orderId, paymentDeadline: after.paymentDeadline });
    return;
  }
  const before = imageOf(record.dynamodb?.OldImage);
  const owed = after.type === 'order' ? signalOwed(before as TaskHolder | undefined, after) : after.type === 'return' ? returnSignalOwed(before as ReturnTaskHolder | undefined, after) : null;
  if (!owed) return;
  // A token already closed (the task timed out, the execution ended) is reported, not thrown: nothing is left to tell it.
  const result = await answerTask(owed.token, owed.resolution);
  logger.info('workflow task signalled', { orderId: after.orderId, ...(after.type === 'return' ? { returnId: after.returnId } : {}), stage: owed.stage, outcome: owed.resolution.outcome, result });
}

export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const failed = new Set<string>();
  await pooled(event.Records, CONCURRENCY, async (record) => {
    try {
      await drive(record);
    } catch (error) {
      const key = record.dynamodb?.Keys?.pk?.S ?? '';
      const subject = key.startsWith('RETURN#') ? { returnId: key.slice('RETURN#'.length) } : { orderId: key.slice('ORDER#'.length) };
      logger.error('driving an order\'s workflow failed; the stream retries it', { ...subject, change: record.eventName, error: error as Error });
      failed.add(record.dynamodb!.SequenceNumber!);
    }
  });
  // The stream retries from the first failure on (starting or signalling the later ones again is harmless).
  const first = event.Records.find((record) => failed.has(record.dynamodb!.SequenceNumber!));
  return { batchItemFailures: first ? [{ itemIdentifier: first.dynamodb!.SequenceNumber! }] : [] };
}
