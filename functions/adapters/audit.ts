/**
 * The operators' and the warehouse's audit trail: who (the token's `sub`) did what
 * (the route), to what, when, with what answer. `AUDIT#<kind>#<id>`, oldest first;
 * no request bodies (notes may hold personal data), so the trail itself holds none.
 */
import { randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from './aws-clients.js';
import { tableName } from './keys.js';

export interface AuditEntry {
  at: string;
  /** The caller's `sub`. */
  actor: string;
  /** `ops` or `warehouse` (the roles the caller acted with). */
  roles: string[];
  /** The route, e.g. `POST /ops/orders/{orderId}/cancel`. */
  action: string;
  /** The HTTP status it answered. */
  status: number;
  /** Other ids the action named (a return, an endpoint), for the reader. */
  refs?: Record<string, string>;
}

export const auditKey = (kind: string, id: string) => `AUDIT#${kind}#${id}`;

export async function recordAction(subject: { kind: string; id: string }, entry: AuditEntry): Promise<void> {
  await dynamo.send(
    new PutCommand({
      TableName: tableName(),
      Item: { pk: auditKey(subject.kind, subject.id), sk: `${entry.at}#${randomBytes(6).toString('hex')}`, type: 'audit', ...entry },
    }),
  );
}

/** What was done to a subject, oldest first. */
export async function listActions(subject: { kind: string; id: string }, limit = 500): Promise<AuditEntry[]> {
  const out = await dynamo.send(
    new QueryCommand({ TableName: tableName(), KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': auditKey(subject.kind, subject.id) }, Limit: limit }),
  );
  return (out.Items ?? []).map(({ at, actor, roles, action, status, refs }) => ({ at, actor, roles, action, status, ...(refs ? { refs } : {}) }) as AuditEntry);
}
