/**
 * The report counters in the table: `REPORT#<date>#<shard>`, added to by the event
 * publisher (adapters/events.ts) in the transaction that records each event. Reading a
 * range is a batch of key look-ups (days × shards), never a query over orders.
 */
import { BatchGetCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { REPORT_SHARDS } from '../core/reports.js';
import { dynamo } from './aws-clients.js';
import { keys, tableName } from './keys.js';

const TABLE = tableName();

/** Every shard of every day asked for: date -> its shards' counters (a day nobody counted has none). */
export async function readReportShards(dates: readonly string[]): Promise<Map<string, Record<string, unknown>[]>> {
  const wanted = dates.flatMap((date) => Array.from({ length: REPORT_SHARDS }, (_, shard) => keys.report(date, shard)));
  const byDate = new Map<string, Record<string, unknown>[]>(dates.map((date) => [date, []]));
  const batches: Record<string, string>[][] = [];
  for (let i = 0; i < wanted.length; i += 100) batches.push(wanted.slice(i, i + 100));
  await Promise.all(
    batches.map(async (batch) => {
      let pending: Record<string, string>[] | undefined = batch;
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt >= 8) throw new Error('BatchGetItem left report keys unprocessed after retries');
        if (attempt) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
        const out: BatchGetCommandOutput = await dynamo.send(new BatchGetCommand({ RequestItems: { [TABLE]: { Keys: pending } } }));
        for (const item of out.Responses?.[TABLE] ?? []) {
          const date = String(item.pk).split('#')[1]!;
          const { pk: _pk, sk: _sk, ...counters } = item;
          byDate.get(date)?.push(counters);
        }
        pending = out.UnprocessedKeys?.[TABLE]?.Keys as Record<string, string>[] | undefined;
      }
    }),
  );
  return byDate;
}
