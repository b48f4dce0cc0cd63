/**
 * What the local stack did, counted where calls pass through it, for pricing a
 * workload (scripts/cost.ts): Lambda invocations and their durations, DynamoDB
 * capacity units, SQS requests, API requests and the bytes functions log.
 *
 * DynamoDB units: DynamoDB Local's own figures (asked with ReturnConsumedCapacity) for
 * single-item and batch calls, where they follow AWS's rules (1 WRU per KB written,
 * again for each index the item is in). For TransactWriteItems DynamoDB Local answers
 * one figure for the whole call whatever it holds (4 for one tiny item, 4 for two), so
 * those are counted here by AWS's rule: 2 WRU per KB of each item written, again for
 * each index it is in (every index projects ALL), sized after the write; a cancelled
 * transaction is charged its prepare, 1 WRU per item.
 */

const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const CAPACITY_OPERATIONS = new Set([...READ_OPERATIONS, 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export interface MeterReading {
  lambda: { invocations: number; billedMs: number; byFunction: Record<string, { invocations: number; billedMs: number }> };
  dynamodb: { readUnits: number; writeUnits: number; requests: number; byCaller: Record<string, { readUnits: number; writeUnits: number; requests: number }> };
  /** SQS requests that did something; long polls that came back empty are counted apart (they cost whether orders come or not). */
  sqs: { requests: number; emptyReceives: number; byAction: Record<string, number> };
  api: { requests: number };
  logs: { functionBytes: number };
}

export class Meter {
  private reading: MeterReading = Meter.empty();
  /** While off, calls pass untouched and uncounted (counting costs the stack some time). */
  on = true;

  private static empty(): MeterReading {
    return {
      lambda: { invocations: 0, billedMs: 0, byFunction: {} },
      dynamodb: { readUnits: 0, writeUnits: 0, requests: 0, byCaller: {} },
      sqs: { requests: 0, emptyReceives: 0, byAction: {} },
      api: { requests: 0 },
      logs: { functionBytes: 0 },
    };
  }

  /** Starts counting from zero. */
  reset(): void {
    this.reading = Meter.empty();
  }

  read(): MeterReading {
    return structuredClone(this.reading);
  }

  invocation(functionName: string, ms: number): void {
    // Lambda bills duration rounded up to the millisecond.
    const billed = Math.max(1, Math.ceil(ms));
    this.reading.lambda.invocations++;
    this.reading.lambda.billedMs += billed;
    const entry = (this.reading.lambda.byFunction[functionName] ??= { invocations: 0, billedMs: 0 });
    entry.invocations++;
    entry.billedMs += billed;
  }

  apiRequest(): void {
    this.reading.api.requests++;
  }

  logBytes(bytes: number): void {
    this.reading.logs.functionBytes += bytes;
  }

  /** A DynamoDB request, to ask for its consumed capacity: the body to send instead. */
  dynamodbRequest(target: string, body: Buffer): Buffer {
    const operation = target.replace(/^DynamoDB_\d+\./, '');
    if (!CAPACITY_OPERATIONS.has(operation)) return body;
    try {
      const parsed = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      if (parsed.ReturnConsumedCapacity && parsed.ReturnConsumedCapacity !== 'NONE') return body;
      return Buffer.from(JSON.stringify({ ...parsed, ReturnConsumedCapacity: 'TOTAL' }));
    } catch {
      return body;
    }
  }

  private pending: Promise<void>[] = [];

  /** Waits for the counts still being worked out (transactions' item sizes). */
  async settle(): Promise<void> {
    while (this.pending.length) await Promise.all(this.pending.splice(0));
  }

  /**
   * A DynamoDB answer to a function: its consumed capacity counted as read or write
   * units. `readItem` reads an item as it is now (to size a transaction's updates).
   */
  dynamodbResponse(caller: string, target: string, request: Buffer, body: Buffer, readItem: (table: string, key: object) => Promise<Record<string, unknown> | undefined>): void {
    const operation = target.replace(/^DynamoDB_\d+\./, '');
    if (!CAPACITY_OPERATIONS.has(operation)) return;
    const mine = (this.reading.dynamodb.byCaller[`${caller} ${operation}`] ??= { readUnits: 0, writeUnits: 0, requests: 0 });
    this.reading.dynamodb.requests++;
    mine.requests++;
    if (operation === 'TransactWriteItems') {
      const count = (units: number) => {
        this.reading.dynamodb.writeUnits += units;
        mine.writeUnits += units;
      };
      this.pending.push(transactionUnits(request, body, readItem).then(count, () => undefined));
      return;
    }
    try {
      const parsed = JSON.parse(body.toString('utf8') || '{}') as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] };
      const consumed = [parsed.ConsumedCapacity ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
      const kind = READ_OPERATIONS.has(operation) ? 'readUnits' : 'writeUnits';
      this.reading.dynamodb[kind] += consumed;
      mine[kind] += consumed;
    } catch {
      // an error answer consumed nothing we can see
    }
  }

  /** An SQS request and its answer. */
  sqsRequest(target: string, response: Buffer): void {
    const action = target.replace(/^AmazonSQS\./, '');
    if (action === 'ReceiveMessage' && !/"Messages"\s*:\s*\[\s*\{/.test(response.toString('utf8'))) {
      this.reading.sqs.emptyReceives++;
      return;
    }
    this.reading.sqs.requests++;
    this.reading.sqs.byAction[action] = (this.reading.sqs.byAction[action] ?? 0) + 1;
  }
}

type Marshalled = Record<string, Record<string, unknown>>;

/** An item's size by DynamoDB's rule: each attribute's name and value, in bytes. */
export function itemBytes(item: Marshalled): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
}

function valueBytes(value: Record<string, unknown>): number {
  const [type, v] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(v));
    case 'N':
      return Math.ceil(String(v).replace(/[-.]/g, '').replace(/^0+/, '').length / 2) + 1;
    case 'B':
      return Buffer.from(String(v), 'base64').length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'M':
      return 3 + itemBytes(v as Marshalled);
    case 'L':
      return 3 + (v as Record<string, unknown>[]).reduce((sum: number, x) => sum + 1 + valueBytes(x), 0);
    default:
      return (v as string[]).reduce((sum: number, x) => sum + Buffer.byteLength(String(x)), 0);
  }
}

const indexesOf = (item: Marshalled) => [1, 2, 3].filter((n) => item[`gsi${n}pk`] && item[`gsi${n}sk`]).length;

/** A TransactWriteItems call's write units by AWS's rule (see the class's comment). */
async function transactionUnits(request: Buffer, response: Buffer, readItem: (table: string, key: object) => Promise<Record<string, unknown> | undefined>): Promise<number> {
  const items = (JSON.parse(request.toString('utf8')) as { TransactItems: Record<string, { TableName: string; Key?: object; Item?: Marshalled }>[] }).TransactItems;
  if (/TransactionCanceled/.test(response.toString('utf8'))) return items.length;
  const sizes = await Promise.all(
    items.map(async (entry) => {
      const [kind, action] = Object.entries(entry)[0]!;
      if (kind === 'ConditionCheck') return 0;
      const item = kind === 'Put' ? action.Item! : ((await readItem(action.TableName, action.Key!)) as Marshalled | undefined);
      if (!item) return 2; // deleted: its size is gone, 1 KB assumed
      return 2 * Math.max(1, Math.ceil(itemBytes(item) / 1024)) * (1 + indexesOf(item));
    }),
  );
  return sizes.reduce((a, b) => a + b, 0);
}
