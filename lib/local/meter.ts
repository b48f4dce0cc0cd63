/**
 * What the local stack did, counted where calls pass through it, for pricing a
 * workload (scripts/cost.ts): Lambda invocations and their durations, DynamoDB
 * capacity units (as DynamoDB Local reports them, asked with ReturnConsumedCapacity),
 * SQS requests, API requests and the bytes functions log.
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

  /** A DynamoDB answer to a function: its consumed capacity counted as read or write units. */
  dynamodbResponse(caller: string, target: string, body: Buffer): void {
    const operation = target.replace(/^DynamoDB_\d+\./, '');
    if (!CAPACITY_OPERATIONS.has(operation)) return;
    const mine = (this.reading.dynamodb.byCaller[`${caller} ${operation}`] ??= { readUnits: 0, writeUnits: 0, requests: 0 });
    this.reading.dynamodb.requests++;
    mine.requests++;
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
