/**
 * The deployable sandbox (`-c sandbox=true`, for staging): the sandbox payment
 * provider and carrier as one function behind the same API, with API.md's
 * `/sandbox/...` routes, its state in the orders table and its notifications signed
 * with the webhook secrets, so a staging stack runs whole lifecycles on AWS. The
 * rules are functions/sandbox/model.ts, the same as the local stack's sandbox.
 *
 * Anyone who can reach these routes can mark a sandbox payment paid: never deploy it
 * where real goods ship.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../core/errors.js';
import { dynamo } from '../adapters/aws-clients.js';
import { keys, tableName } from '../adapters/keys.js';
import { webhookSecret } from '../adapters/secrets.js';
import { validation } from '../http/contract.js';
import { httpHandler, json, route } from '../http/http-handler.js';
import {
  acceptsAttempts,
  attempted,
  closed,
  deliver,
  newPayment,
  newShipment,
  paymentNotification,
  ProviderRefusal,
  refunded,
  trackingNotification,
  type SandboxPayment,
  type SandboxShipment,
} from './model.js';

const TABLE = tableName();
const BASE_URL = (() => {
  const url = process.env.SANDBOX_URL;
  if (!url) throw new Error('Missing required environment variable SANDBOX_URL (the API the sandbox serves and notifies)');
  return url.replace(/\/$/, '');
})();
/** Staging data: kept a month. */
const RETENTION_SECONDS = 30 * 24 * 3600;
const expiresAt = () => Math.floor(Date.now() / 1000) + RETENTION_SECONDS;


interface Stored<T> {
  value: T;
  version: number;
}

async function load<T>(key: Record<string, string>, field: string): Promise<Stored<T> | null> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));
  return Item ? { value: Item[field] as T, version: Item.version as number } : null;
}

/** Writes `value` if the item is still at `version` (optimistic: the caller re-reads and retries). */
async function save(key: Record<string, string>, field: string, value: unknown, version: number): Promise<boolean> {
  try {
    await dynamo.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...key, type: 'sandbox', [field]: value, version: version + 1, expiresAt: expiresAt() },
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': version },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Reads, changes and writes one record, retrying when another request changed it meanwhile. */
async function update<T>(key: Record<string, string>, field: string, change: (value: T) => T): Promise<T | null> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const current = await load<T>(key, field);
    if (!current) return null;
    const next = change(current.value);
    if (next === current.value || (await save(key, field, next, current.version))) return next;
  }
  throw new Error('the sandbox record kept changing; retry');
}

/** Creates the record for one order once: a second request for the same order gets the first record. */
async function createOnce<T>(byOrder: Record<string, string>, keyOf: (id: string) => Record<string, string>, field: string, id: string, value: T): Promise<T> {
  try {
    await dynamo.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: { ...byOrder, type: 'sandbox', id, expiresAt: expiresAt() }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: TABLE, Item: { ...keyOf(id), type: 'sandbox', [field]: value, version: 1, expiresAt: expiresAt() } } },
        ],
      }),
    );
    return value;
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const { Item } = await dynamo.send(new GetCommand({ TableName: TABLE, Key: byOrder, ConsistentRead: true }));
    const existing = Item ? await load<T>(keyOf(Item.id as string), field) : null;
    if (!existing) throw error;
    return existing.value;
  }
}

const paymentKey = (paymentId: string) => keys.sandbox('PAYMENT', paymentId);
const shipmentKey = (trackingNumber: string) => keys.sandbox('SHIPMENT', trackingNumber);

async function payment(paymentId: string): Promise<SandboxPayment> {
  const found = await load<SandboxPayment>(paymentKey(paymentId), 'payment');
  if (!found) throw new DomainError('NOT_FOUND', 'No such sandbox payment');
  return found.value;
}

/** Applies a model rule to a stored payment: 404 when there is none, 409 for what the provider refuses. */
async function changePayment(paymentId: string, change: (payment: SandboxPayment) => SandboxPayment): Promise<SandboxPayment> {
  try {
    const after = await update<SandboxPayment>(paymentKey(paymentId), 'payment', change);
    if (!after) throw new DomainError('NOT_FOUND', 'No such sandbox payment');
    return after;
  } catch (error) {
    if (error instanceof ProviderRefusal) throw new DomainError('INVALID_STATE', error.message);
    throw error;
  }
}

function attemptRoute(outcome: 'succeed' | 'fail') {
  return route({
    ...validation(outcome === 'succeed' ? 'POST /sandbox/payments/{paymentId}/succeed' : 'POST /sandbox/payments/{paymentId}/fail'),
    async handle({ params, body }) {
      if (!acceptsAttempts(await payment(params.paymentId))) throw new DomainError('INVALID_STATE', 'The merchant closed this payment: it can no longer be paid');
      const after = await changePayment(params.paymentId, (p) => attempted(p, outcome, body ?? {}));
      if (body?.notify === false) return json(200, { delivered: null });
      const delivered = await deliver(`${BASE_URL}/webhooks/payments/sandbox`, await webhookSecret('PAYMENT_WEBHOOK_SECRET'), paymentNotification(after, outcome));
      return json(200, { delivered });
    },
  });
}

export const handler = httpHandler({
  'POST /sandbox/payments': route({
    ...validation('POST /sandbox/payments'),
    async handle({ body }) {
      const created = newPayment(body, BASE_URL);
      const kept = await createOnce(keys.sandbox('ORDER-PAYMENT', body.orderId), paymentKey, 'payment', created.paymentId, created);
      return json(200, kept);
    },
  }),
  'GET /sandbox/pay/{paymentId}': route({ ...validation('GET /sandbox/pay/{paymentId}'), handle: async ({ params }) => json(200, await payment(params.paymentId)) }),
  'GET /sandbox/payments/{paymentId}': route({ ...validation('GET /sandbox/payments/{paymentId}'), handle: async ({ params }) => json(200, await payment(params.paymentId)) }),
  'POST /sandbox/payments/{paymentId}/succeed': attemptRoute('succeed'),
  'POST /sandbox/payments/{paymentId}/fail': attemptRoute('fail'),
  'POST /sandbox/payments/{paymentId}/close': route({
    ...validation('POST /sandbox/payments/{paymentId}/close'),
    handle: async ({ params }) => json(200, await changePayment(params.paymentId, closed)),
  }),
  'POST /sandbox/payments/{paymentId}/refund': route({
    ...validation('POST /sandbox/payments/{paymentId}/refund'),
    handle: async ({ params, body }) => json(200, await changePayment(params.paymentId, (p) => refunded(p, body.refundId, body.amountMinor))),
  }),
  'POST /sandbox/shipments': route({
    ...validation('POST /sandbox/shipments'),
    async handle({ body }) {
      const parcel = newShipment(body.orderId);
      const booked = await createOnce(keys.sandbox('ORDER-SHIPMENT', body.orderId), shipmentKey, 'shipment', parcel.trackingNumber, parcel);
      return json(200, booked);
    },
  }),
  'POST /sandbox/shipments/{trackingNumber}/events': route({
    ...validation('POST /sandbox/shipments/{trackingNumber}/events'),
    async handle({ params, body }) {
      if (!(await load<SandboxShipment>(shipmentKey(params.trackingNumber), 'shipment'))) throw new DomainError('NOT_FOUND', 'No such sandbox shipment');
      const event = trackingNotification(params.trackingNumber, body.status, body.occurredAt ?? new Date().toISOString());
      const delivered = await deliver(`${BASE_URL}/webhooks/carriers/sandbox`, await webhookSecret('CARRIER_WEBHOOK_SECRET'), event);
      return json(200, { delivered });
    },
  }),
});
