/**
 * The report counters in the table: `REPORT#<date>#<shard>`, added to by the event
 * publisher (adapters/events.ts) in the transaction that records each event. Reading a
 * range is a batch of key look-ups (days × shards), never a query over orders.
 */
import { REPORT_SHARDS } from '../core/reports.js';
import { batchGetAll } from './batch-get.js';
import { keys } from './keys.js';

/** Every shard of every day asked for: date -> its shards' counters (a day nobody counted has none). */
export async function readReportShards(dates: readonly string[]): Promise<Map<string, Record<string, unknown>[]>> {
  const items = await batchGetAll(dates.flatMap((date) => Array.from({ length: REPORT_SHARDS }, (_, shard) => keys.report(date, shard))));
  const byDate = new Map<string, Record<string, unknown>[]>(dates.map((date) => [date, []]));
  for (const { pk, sk: _sk, ...counters } of items) byDate.get(String(pk).split('#')[1]!)?.push(counters);
  return byDate;
}
