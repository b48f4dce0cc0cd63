/**
 * Returns in the table: `RETURN#<returnId>`, listed by order (GSI1) and by status
 * (GSI2). Every change of a return is one transaction with the order's versioned
 * update and the stock moves it decides, so returnable units, money and stock move
 * together or not at all.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import type { StockLine } from '../core/decisions.js';
import { returnView, type Return, type ReturnStatus } from '../core/returns.js';
import { dynamo } from './aws-clients.js';
import { GSI1, GSI2, keys, orderReturnsPartition, returnsByStatusPartition, tableName } from './keys.js';
import { cancellationReasons, stockMoveUpdate, versionedOrderUpdate } from './orders.js';

const TABLE = tableName();

export interface StoredReturn extends Return {
  customerId: string;
  version: number;
  /** The request's hash: the same Idempotency-Key with another body is refused. */
  requestHash: string;
  approvedAt?: string;
  receivedItems?: { sku: string; quantity: number; condition: string }[];
  /** The return workflow's open task (statemachines/return-lifecycle.asl.json). */
  taskToken?: string;
  taskStage?: string;
}


/** What clients see: API.md's Return. */
export function publicReturn(ret: StoredReturn): Return {
  return returnView(ret);
}

function toReturn(item: Record<string, unknown>): StoredReturn {
  return item as unknown as StoredReturn;
}

const statusKeys = (status: ReturnStatus, ret: Pick<Return, 'createdAt' | 'returnId'>) => ({ gsi2pk: returnsByStatusPartition(status), gsi2sk: `${ret.createdAt}#${ret.returnId}` });

export interface OrderChange {
  orderId: string;
  expectVersion: number;
  set: Record<string, NativeAttributeValue>;
}

async function transact(items: object[]): Promise<boolean> {
  try {
    await dynamo.send(new TransactWriteCommand({ TransactItems: items as never }));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    const reasons = cancellationReasons(error);
    // The return's or the order's condition failed: someone else decided first.
    if (reasons && (reasons[0]?.Code === 'ConditionalCheckFailed' || reasons[1]?.Code === 'ConditionalCheckFailed')) return false;
    throw error;
  }
}

/** Creates the return and takes its units from the order; false when another writer came first (or the return exists). */
export async function createReturn(ret: StoredReturn, order: OrderChange): Promise<boolean> {
  return transact([
    {
      Put: {
        TableName: TABLE,
        Item: { ...keys.return(ret.returnId), type: 'return', ...ret, gsi1pk: orderReturnsPartition(ret.orderId), gsi1sk: `${ret.createdAt}#${ret.returnId}`, ...statusKeys(ret.status, ret) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    { Update: versionedOrderUpdate(order.orderId, order.expectVersion, order.set) },
  ]);
}

export async function getReturn(returnId: string): Promise<StoredReturn | null> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: TABLE, Key: keys.return(returnId), ConsistentRead: true }));
  return Item ? toReturn(Item) : null;
}

export async function listReturnsOfOrder(orderId: string): Promise<StoredReturn[]> {
  const out = await dynamo.send(new QueryCommand({ TableName: TABLE, IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': orderReturnsPartition(orderId) } }));
  return (out.Items ?? []).map(toReturn);
}

export async function listReturnsByStatus(status: ReturnStatus, limit: number, startKey?: Record<string, unknown>) {
  const out = await dynamo.send(
    new QueryCommand({ TableName: TABLE, IndexName: GSI2, KeyConditionExpression: 'gsi2pk = :p', ExpressionAttributeValues: { ':p': returnsByStatusPartition(status) }, Limit: limit, ExclusiveStartKey: startKey }),
  );
  return { items: (out.Items ?? []).map(toReturn), lastKey: out.LastEvaluatedKey };
}

/** Every return in a status, oldest first, page by page (at most `max`). */
export async function* returnsWithStatus(status: ReturnStatus, max = Infinity): AsyncGenerator<StoredReturn> {
  let startKey: Record<string, unknown> | undefined;
  let seen = 0;
  do {
    const page = await listReturnsByStatus(status, 100, startKey);
    for (const ret of page.items) {
      if (seen++ >= max) return;
      yield ret;
    }
    startKey = page.lastKey;
  } while (startKey);
}

/**
 * Moves a return from the status it was read in (version-guarded), with the order's
 * versioned change and the stock moves decided with it, in one transaction. False when
 * another writer came first: the caller re-reads and decides again.
 */
export async function moveReturn(ret: StoredReturn, to: ReturnStatus, change: { set?: Record<string, NativeAttributeValue>; order?: OrderChange; stock?: StockLine[] } = {}): Promise<boolean> {
  const now = new Date().toISOString();
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, NativeAttributeValue> = { ':to': to, ':from': ret.status, ':v': ret.version, ':now': now, ':h': [{ status: to, at: now }], ':one': 1, ':g2': statusKeys(to, ret).gsi2pk };
  const sets = ['#status = :to', 'updatedAt = :now', 'history = list_append(history, :h)', 'version = version + :one', 'gsi2pk = :g2'];
  Object.entries(change.set ?? {}).forEach(([name, value], i) => {
    names[`#x${i}`] = name;
    values[`:x${i}`] = value;
    sets.push(`#x${i} = :x${i}`);
  });
  return transact([
    { Update: { TableName: TABLE, Key: keys.return(ret.returnId), UpdateExpression: `SET ${sets.join(', ')}`, ConditionExpression: '#status = :from AND version = :v', ExpressionAttributeNames: names, ExpressionAttributeValues: values } },
    ...(change.order ? [{ Update: versionedOrderUpdate(change.order.orderId, change.order.expectVersion, change.order.set) }] : []),
    ...(change.stock ?? []).map((line) => ({ Update: stockMoveUpdate(line) })),
  ]);
}


/** Records the return workflow's open task on the return (not a decision: no version change). */
export async function recordReturnTask(returnId: string, stage: string, taskToken: string): Promise<void> {
  await dynamo.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: keys.return(returnId),
      UpdateExpression: 'SET taskToken = :t, taskStage = :s',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':t': taskToken, ':s': stage },
    }),
  );
}
