/**
 * DynamoDB stream event source mappings, as Lambda runs them: read each shard of the
 * table's stream from its start (TRIM_HORIZON), parents before children, hand the
 * function batches of up to `batchSize` records in order, and never move past a
 * record the function has not taken: a thrown error retries the batch, a reported
 * failure (ReportBatchItemFailures) retries from that record, up to `retryAttempts`
 * times; then the failing record is parked (`onParked`, the mapping's on-failure
 * destination) and the shard goes on past it, as bisecting a batch down to that
 * record would end on AWS. Lambda's event filtering is applied first (`filters`: key
 * prefix, kind of change, an attribute of the new image), as on AWS.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record, type Shard } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import type { LoadedHandler } from './isolated-function.js';
import type { Hold } from './hold.js';
import type { ChangeFilter } from '../topology.js';

export interface StreamSourceMapping {
  functionName: string;
  endpoint: string;
  tableName: string;
  batchSize: number;
  filters: readonly ChangeFilter[];
  /** Retries of a failing record before it is parked (the CDK stack's `retryAttempts`). */
  retryAttempts: number;
  handler: LoadedHandler;
  /** A record given up after its retries (the on-failure destination). */
  onParked: (record: DynamoDBRecord) => void;
  /** While held, the shard's records wait in the stream. */
  hold?: Hold;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const RETRY_PAUSE_MS = 500;
const IDLE_PAUSE_MS = 150;

/** A record as Lambda passes it (creation time in epoch seconds). */
function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const change = record.dynamodb!;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: change.ApproximateCreationDateTime ? change.ApproximateCreationDateTime.getTime() / 1000 : Date.now() / 1000,
      Keys: change.Keys,
      NewImage: change.NewImage,
      OldImage: change.OldImage,
      SequenceNumber: change.SequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType,
    },
  } as DynamoDBRecord;
}

export async function startStreamSource(mapping: StreamSourceMapping, onError: (error: unknown) => void): Promise<() => Promise<void>> {
  const options = { endpoint: mapping.endpoint, region: 'us-east-1', credentials };
  const dynamo = new DynamoDBClient(options);
  const streams = new DynamoDBStreamsClient(options);
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: mapping.tableName }));
  dynamo.destroy();
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`Table ${mapping.tableName} has no stream`);

  let running = true;
  const shards = new Map<string, { shard: Shard; iterator?: string; last?: string; closed: boolean }>();
  const wanted = (record: _Record) => {
    const pk = record.dynamodb?.Keys?.pk?.S ?? '';
    return mapping.filters.some(
      (filter) => pk.startsWith(filter.keyPrefix) && (!filter.eventName || record.eventName === filter.eventName) && (!filter.newImageHas || record.dynamodb?.NewImage?.[filter.newImageHas]?.S !== undefined),
    );
  };

  /** Hands the function these records until it has taken all of them. */
  const deliver = async (records: DynamoDBRecord[]) => {
    let pending = records;
    let retries = 0;
    while (running && pending.length) {
      try {
        const response = (await mapping.handler({ Records: pending })) as DynamoDBBatchResponse | undefined;
        const failed = response?.batchItemFailures?.[0]?.itemIdentifier;
        if (!failed) return;
        const at = pending.findIndex((r) => r.dynamodb?.SequenceNumber === failed);
        // Retries count for the record the batch stops at; a later one starts afresh.
        if (at > 0) retries = 0;
        pending = at >= 0 ? pending.slice(at) : pending;
      } catch (error) {
        onError(error);
      }
      if (++retries > mapping.retryAttempts) {
        mapping.onParked(pending[0]!);
        pending = pending.slice(1);
        retries = 0;
        continue;
      }
      await sleep(RETRY_PAUSE_MS);
    }
  };

  const discover = async () => {
    let start: string | undefined;
    do {
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      for (const shard of StreamDescription?.Shards ?? []) if (!shards.has(shard.ShardId!)) shards.set(shard.ShardId!, { shard, closed: false });
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
  };

  const poll = async () => {
    let lastDiscovery = 0;
    while (running) {
      await mapping.hold?.passed();
      if (!running) return;
      try {
        if (Date.now() - lastDiscovery > 1000) {
          await discover();
          lastDiscovery = Date.now();
        }
        let busy = false;
        for (const state of shards.values()) {
          const parent = state.shard.ParentShardId ? shards.get(state.shard.ParentShardId) : undefined;
          // A child shard waits until its parent has been read to the end (order per item).
          if (state.closed || (parent && !parent.closed)) continue;
          // From the start, or after the last record taken (an iterator expires after 15 minutes unused).
          state.iterator ??= (
            await streams.send(
              new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: state.shard.ShardId, ...(state.last ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: state.last } : { ShardIteratorType: 'TRIM_HORIZON' }) }),
            )
          ).ShardIterator;
          let out;
          try {
            out = await streams.send(new GetRecordsCommand({ ShardIterator: state.iterator, Limit: mapping.batchSize }));
          } catch (error) {
            if ((error as Error).name === 'ExpiredIteratorException') state.iterator = undefined;
            throw error;
          }
          const records = (out.Records ?? []).filter(wanted).map((r) => toLambdaRecord(r, streamArn));
          // Read before a hold began: delivered once it is released.
          if (records.length) await mapping.hold?.passed();
          if (records.length) await deliver(records);
          if (!running) return;
          busy ||= (out.Records?.length ?? 0) > 0;
          state.last = out.Records?.at(-1)?.dynamodb?.SequenceNumber ?? state.last;
          state.iterator = out.NextShardIterator;
          if (!state.iterator) state.closed = true;
        }
        if (!busy) await sleep(IDLE_PAUSE_MS);
      } catch (error) {
        if (!running) return;
        onError(error);
        await sleep(RETRY_PAUSE_MS);
      }
    }
  };
  const poller = poll();
  return async () => {
    running = false;
    await poller;
    streams.destroy();
  };
}
