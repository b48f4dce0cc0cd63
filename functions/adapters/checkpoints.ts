/** Where a pass over many items stopped (the reconciler's, per shard and start key), so the next run goes on from there. */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from './aws-clients.js';
import { keys, tableName } from './keys.js';

export async function getCheckpoint<T>(name: string): Promise<T | null> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: tableName(), Key: keys.checkpoint(name), ConsistentRead: true }));
  return (Item?.position as T | undefined) ?? null;
}

/** Saves where the pass stopped; null: the pass is complete, the next one starts from the beginning. */
export async function saveCheckpoint(name: string, position: unknown): Promise<void> {
  await dynamo.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.checkpoint(name),
      UpdateExpression: position === null ? 'REMOVE #position SET updatedAt = :now' : 'SET #position = :position, updatedAt = :now',
      ExpressionAttributeNames: { '#position': 'position' },
      ExpressionAttributeValues: { ':now': new Date().toISOString(), ...(position === null ? {} : { ':position': position }) },
    }),
  );
}
