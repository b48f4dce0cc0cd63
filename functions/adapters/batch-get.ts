/**
 * BatchGetItem for any number of keys: batches of 100 side by side, each retrying the
 * keys DynamoDB left unprocessed with a growing pause. One place for what products,
 * reports, the order search and timelines all read by key.
 */
import { BatchGetCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from './aws-clients.js';
import { tableName } from './keys.js';

type Key = Record<string, string>;

export async function batchGetAll(keys: readonly Key[], options: { consistent?: boolean } = {}): Promise<Record<string, unknown>[]> {
  const table = tableName();
  const batches: Key[][] = [];
  for (let i = 0; i < keys.length; i += 100) batches.push(keys.slice(i, i + 100));
  const found = await Promise.all(
    batches.map(async (batch) => {
      const items: Record<string, unknown>[] = [];
      let pending: Key[] | undefined = batch;
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt >= 8) throw new Error('BatchGetItem left keys unprocessed after retries');
        if (attempt) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        const out: BatchGetCommandOutput = await dynamo.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: options.consistent ?? false } } }));
        items.push(...(out.Responses?.[table] ?? []));
        pending = out.UnprocessedKeys?.[table]?.Keys as Key[] | undefined;
      }
      return items;
    }),
  );
  return found.flat();
}
