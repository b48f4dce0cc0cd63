/**
 * The webhook inbox: every verified event is recorded by its id before it is acted
 * on, so a duplicate delivery is recognised. An event is marked processed only after
 * its effects are applied; a redelivery of an unprocessed one (a crash in between)
 * runs again, which is safe because every effect is itself a conditional write.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from './aws-clients.js';
import { keys, tableName } from './keys.js';

const TABLE = tableName();
/** Providers retry for days; remember ids for a month. */
const RETENTION_SECONDS = 30 * 24 * 3600;

/** Records the event; returns false when it was recorded and fully processed before. */
export async function recordEvent(source: string, eventId: string, event: unknown): Promise<boolean> {
  const now = new Date();
  try {
    await dynamo.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          ...keys.webhook(source, eventId),
          type: 'webhook',
          source,
          eventId,
          event,
          receivedAt: now.toISOString(),
          expiresAt: Math.floor(now.getTime() / 1000) + RETENTION_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const { Item } = await dynamo.send(new GetCommand({ TableName: TABLE, Key: keys.webhook(source, eventId), ConsistentRead: true }));
    return !Item?.processedAt;
  }
}

export async function markProcessed(source: string, eventId: string, outcome: string): Promise<void> {
  await dynamo.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: keys.webhook(source, eventId),
      UpdateExpression: 'SET processedAt = :now, outcome = :outcome',
      ExpressionAttributeValues: { ':now': new Date().toISOString(), ':outcome': outcome },
    }),
  );
}

/** Tracking number -> order id, written when a carrier is booked. */
export async function recordShipment(trackingNumber: string, orderId: string, carrier: string): Promise<void> {
  await dynamo.send(
    new PutCommand({
      TableName: TABLE,
      Item: { ...keys.shipment(trackingNumber), type: 'shipment', trackingNumber, orderId, carrier },
    }),
  );
}

export async function findOrderIdByTracking(trackingNumber: string): Promise<string | null> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: TABLE, Key: keys.shipment(trackingNumber), ConsistentRead: true }));
  return (Item?.orderId as string | undefined) ?? null;
}
