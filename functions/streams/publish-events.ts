/**
 * The table's change stream in, events out: DynamoDB Streams invokes this with batches
 * of item changes (in order per item); each becomes its events (services/events.ts).
 * A change that fails stops the batch there and is reported, so the stream retries
 * from it and no later change of the same item overtakes it (ReportBatchItemFailures).
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { indexChange, publishChange } from '../services/events.js';
import { reportTimezone } from '../core/config.js';
import { listEndpoints, type WebhookEndpoint } from '../adapters/events.js';
import { logger } from '../shared/powertools.js';
// With endpoints subscribed it queues deliveries on (nearly) every invocation: the SQS client loads at start, not with the first call.
import '../adapters/sqs-client.js';

const image = (value: Record<string, unknown> | undefined) => (value ? unmarshall(value as Record<string, AttributeValue>) : undefined);

export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  // The subscribers are read once per batch (a new endpoint receives from the next batch on).
  let endpoints: Promise<WebhookEndpoint[]> | undefined;
  const subscribers = () => (endpoints ??= listEndpoints());
  let published = 0;
  for (const record of event.Records) {
    try {
      await indexChange(image(record.dynamodb?.OldImage), image(record.dynamodb?.NewImage));
      published += await publishChange(
        {
          changeId: record.eventID!,
          before: image(record.dynamodb?.OldImage),
          after: image(record.dynamodb?.NewImage),
          at: new Date((record.dynamodb?.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000).toISOString(),
        },
        subscribers,
        reportTimezone(),
      );
    } catch (error) {
      logger.error('publishing a change failed; the stream retries from it', { eventID: record.eventID, error: error as Error });
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb!.SequenceNumber! }] };
    }
  }
  if (published) logger.info('events published', { records: event.Records.length, events: published });
  return { batchItemFailures: [] };
}
