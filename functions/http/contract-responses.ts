/**
 * What every route answers (status, description, schema), for the OpenAPI document
 * (openapi.ts) and the tests that check answers against it. Kept apart from
 * contract.ts so that only the documentation function loads these schemas, and only
 * when the document is first asked for. Every route of the contract must be here: the
 * type says so.
 */
import * as z from 'zod/mini';
import { CANCELLATION_REASONS, CARRIER_STATUSES, ORDER_STATUSES, PAYMENT_METHODS } from '../core/order.js';
import { RETURN_REASONS, RETURN_STATUSES } from '../core/returns.js';
import { EVENT_TYPES } from '../core/events.js';
import * as requests from '../core/schemas.js';
import type { RouteKey } from './contract.js';

const ISO = z.iso.datetime({ offset: true });
const MINOR = z.int().check(z.minimum(0));

export const problem = z
  .strictObject({
    type: z.literal('about:blank'),
    title: z.string(),
    status: z.int(),
    code: z.string(),
    detail: z.string(),
    errors: z.optional(z.array(z.unknown())),
  })
  .register(z.globalRegistry, { id: 'Problem', description: 'RFC 9457 problem details; `code` is one of the error codes of this API.' });

const refund = z
  .strictObject({
    refundId: z.string(),
    amountMinor: MINOR,
    reason: z.enum(['ORDER_CANCELLED', 'PAYMENT_MISMATCH', 'DUPLICATE_PAYMENT', 'LATE_PAYMENT', 'SHORTAGE', 'RETURN', 'GOODWILL']),
    status: z.enum(['PENDING', 'SUCCEEDED', 'FAILED']),
    createdAt: ISO,
    completedAt: z.nullable(ISO),
  })
  .register(z.globalRegistry, { id: 'Refund' });

const payment = z
  .strictObject({
    provider: z.string(),
    paymentId: z.string(),
    status: z.enum(['PENDING', 'SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'FAILED', 'CLOSED']),
    amountMinor: MINOR,
    currency: z.string(),
    checkoutUrl: z.nullable(z.string()),
    paidAt: z.nullable(ISO),
    refundedAt: z.nullable(ISO),
    refundedMinor: MINOR,
    refunds: z.array(refund),
  })
  .register(z.globalRegistry, { id: 'Payment' });

const shipment = z
  .strictObject({
    carrier: z.string(),
    trackingNumber: z.string(),
    status: z.nullable(z.enum(CARRIER_STATUSES)),
    events: z.array(z.strictObject({ status: z.enum(CARRIER_STATUSES), occurredAt: ISO })),
  })
  .register(z.globalRegistry, { id: 'Shipment' });

const orderFields = {
  orderId: z.string(),
  customerId: z.string(),
  status: z.enum(ORDER_STATUSES),
  items: z.array(
    z.strictObject({ sku: z.string(), name: z.string(), quantity: z.int().check(z.minimum(1)), unitPriceMinor: MINOR, lineTotalMinor: MINOR, refundedQuantity: z.optional(z.int().check(z.minimum(0))) }),
  ),
  currency: z.string(),
  totalMinor: MINOR,
  paymentMethod: z.enum(PAYMENT_METHODS),
  payment: z.nullable(payment),
  shipment: z.nullable(shipment),
  cancellation: z.nullable(z.strictObject({ reason: z.enum(CANCELLATION_REASONS), at: ISO })),
  fulfilment: z.nullable(
    z.strictObject({
      shortages: z.array(z.strictObject({ sku: z.string(), missing: z.int().check(z.minimum(1)) })),
      resolution: z.enum(['NONE', 'SHIP_AVAILABLE', 'WAIT_FOR_RESTOCK', 'CANCEL_ORDER']),
      backorderedSince: z.nullable(ISO),
    }),
  ),
  paymentDeadline: ISO,
  history: z.array(z.strictObject({ status: z.enum(ORDER_STATUSES), at: ISO, reason: z.optional(z.enum(CANCELLATION_REASONS)) })),
  createdAt: ISO,
  updatedAt: ISO,
};
export const order = z.strictObject({ ...orderFields, shippingAddress: requests.shippingAddress() }).register(z.globalRegistry, { id: 'Order' });
/** Order data in events: no shipping address. */
const eventOrder = z.strictObject(orderFields).register(z.globalRegistry, { id: 'EventOrder' });

const product = z
  .strictObject({
    sku: z.string(),
    name: z.string(),
    priceMinor: MINOR,
    currency: z.string(),
    available: z.int(),
    // Shown to ops only:
    reserved: z.optional(z.int()),
    sold: z.optional(z.int()),
    writtenOff: z.optional(z.int()),
    backordered: z.optional(z.int()),
    lowStockThreshold: z.optional(z.int()),
    stockShards: z.optional(z.int().check(z.minimum(1))),
  })
  .register(z.globalRegistry, { id: 'Product', description: '`reserved`, `sold`, `writtenOff`, `backordered`, `lowStockThreshold` and `stockShards` are shown to ops only.' });

const returnSchema = z
  .strictObject({
    returnId: z.string(),
    orderId: z.string(),
    status: z.enum(RETURN_STATUSES),
    items: z.array(z.strictObject({ sku: z.string(), quantity: z.int().check(z.minimum(1)), reason: z.enum(RETURN_REASONS) })),
    note: z.nullable(z.string()),
    refundMinor: MINOR,
    history: z.array(z.strictObject({ status: z.enum(RETURN_STATUSES), at: ISO })),
    createdAt: ISO,
    updatedAt: ISO,
  })
  .register(z.globalRegistry, { id: 'Return' });

const endpointView = {
  endpointId: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.nullable(z.string()),
  createdAt: ISO,
};
const webhookEndpoint = z.strictObject(endpointView).register(z.globalRegistry, { id: 'WebhookEndpoint' });
const delivery = z
  .strictObject({
    eventId: z.string(),
    type: z.enum(EVENT_TYPES),
    status: z.enum(['PENDING', 'DELIVERED', 'FAILED']),
    attempts: z.int().check(z.minimum(0)),
    lastAttemptAt: z.nullable(ISO),
    lastResponseStatus: z.nullable(z.int()),
  })
  .register(z.globalRegistry, { id: 'Delivery' });

export const event = z
  .strictObject({
    id: z.string(),
    type: z.enum(EVENT_TYPES),
    createdAt: ISO,
    sequence: z.int().check(z.minimum(1)),
    data: z.strictObject({ order: z.optional(eventOrder), return: z.optional(returnSchema), product: z.optional(product) }),
  })
  .register(z.globalRegistry, { id: 'Event', description: 'Sent to subscribed endpoints, signed with the Standard Webhooks scheme (`webhook-id` is `id`); `sequence` counts per order (per product for stock.low) from 1.' });

const stage = z.strictObject({ count: z.int().check(z.minimum(0)), avg: z.nullable(z.number()), p50: z.nullable(z.number()), p95: z.nullable(z.number()) });
const day = z
  .strictObject({
    date: z.iso.date(),
    ordersPlaced: z.int(),
    ordersPaid: z.int(),
    ordersShipped: z.int(),
    ordersDelivered: z.int(),
    ordersCompleted: z.int(),
    ordersCancelled: z.strictObject(Object.fromEntries(CANCELLATION_REASONS.map((reason) => [reason, z.int()])) as Record<(typeof CANCELLATION_REASONS)[number], z.ZodMiniInt>),
    unitsSold: z.int(),
    returnsRequested: z.int(),
    returnsRefunded: z.int(),
    money: z.record(z.string(), z.strictObject({ capturedMinor: z.int(), refundedMinor: z.int(), netMinor: z.int(), averageOrderValueMinor: z.int() })),
    stageSeconds: z.strictObject({ toPaid: stage, toPacked: stage, toShipped: stage, toDelivered: stage, toCompleted: stage }),
    efficiency: z.number(),
  })
  .register(z.globalRegistry, { id: 'ReportDay' });

const page = <T extends z.ZodMiniType>(item: T) => z.strictObject({ items: z.array(item), nextCursor: z.nullable(z.string()) });
const list = <T extends z.ZodMiniType>(item: T) => z.strictObject({ items: z.array(item) });
const sandboxDelivery = z.strictObject({ delivered: z.nullable(z.looseObject({ status: z.int() })) });


export interface Answer {
  description: string;
  schema?: z.ZodMiniType;
  /** Default application/json. */
  contentType?: string;
}

const json = (description: string, schema?: z.ZodMiniType): Answer => ({ description, ...(schema ? { schema } : {}) });

export const responses: Record<RouteKey, Record<number, Answer>> = {
  'GET /health': { 200: json('Healthy', z.strictObject({ status: z.literal('ok') })), 503: json('A dependency does not answer yet', problem) },
  'GET /products': { 200: json('A page of products', page(product)) },
  'GET /products/{sku}': { 200: json('The product', product) },
  'PUT /products/{sku}': { 200: json('The product', product) },
  'POST /products/{sku}/restock': { 200: json('The product', product) },
  'POST /orders': { 201: json('The order (again, with Idempotent-Replayed: true, for a repeated key)', order) },
  'GET /orders': { 200: json('A page of orders', page(order)) },
  'GET /orders/{orderId}': { 200: json('The order', order) },
  'POST /orders/{orderId}/cancel': { 202: json('The order; the cancellation completes asynchronously', order) },
  'POST /orders/{orderId}/confirm-receipt': { 200: json('The order, COMPLETED at once or shortly after', order) },
  'POST /orders/{orderId}/returns': { 201: json('The return', returnSchema) },
  'GET /orders/{orderId}/returns': { 200: json('The returns', list(returnSchema)) },
  'POST /webhooks/payments/{provider}': { 200: { description: "The provider's success answer (JSON, or `success` as text for Alipay)", contentType: '*/*' }, 204: { description: 'The success answer for WeChat Pay' } },
  'POST /webhooks/carriers/{carrier}': { 200: { description: "The carrier's success answer", contentType: '*/*' } },
  'GET /warehouse/tasks': { 200: json('A page of pick tasks', page(z.strictObject({ orderId: z.string(), items: z.array(z.strictObject({ sku: z.string(), name: z.string(), quantity: z.int() })), createdAt: ISO }))) },
  'POST /warehouse/tasks/{orderId}/complete': { 200: json('Packed', z.strictObject({ orderId: z.string(), status: z.enum(ORDER_STATUSES) })) },
  'POST /warehouse/tasks/{orderId}/shortage': { 202: json('Accepted', z.strictObject({ orderId: z.string(), status: z.enum(ORDER_STATUSES) })) },
  'GET /warehouse/returns': { 200: json('The returns', list(returnSchema)) },
  'POST /warehouse/returns/{returnId}/receive': { 200: json('The return', returnSchema) },
  'POST /ops/webhook-endpoints': { 201: json('The endpoint and its secret', z.strictObject({ ...endpointView, secret: z.string() })) },
  'GET /ops/webhook-endpoints': { 200: json('The endpoints', list(webhookEndpoint)) },
  'DELETE /ops/webhook-endpoints/{endpointId}': { 204: { description: 'Deleted' } },
  'GET /ops/webhook-endpoints/{endpointId}/deliveries': { 200: json('A page of deliveries', page(delivery)) },
  'POST /ops/webhook-endpoints/{endpointId}/deliveries/{eventId}/retry': { 202: json('Queued', z.strictObject({ endpointId: z.string(), eventId: z.string(), status: z.literal('PENDING') })) },
  'GET /ops/reports/daily': { 200: json('The days', z.strictObject({ timezone: z.string(), days: z.array(day) })) },
  'GET /ops/reports/daily.csv': { 200: { description: 'One row per day', contentType: 'text/csv', schema: z.string() } },
  'GET /ops/dead-letters': { 200: json('Per stage: a count and a peek at up to 10 messages', list(z.looseObject({ stage: z.string(), approximateCount: z.int(), messages: z.array(z.looseObject({})) }))) },
  'POST /ops/dead-letters/{stage}/redrive': { 200: json('Being moved back by an SQS message move task: how many (the DLQ\'s count when it started) and the task', z.strictObject({ stage: z.string(), moved: z.int(), taskHandle: z.string() })) },
  'POST /ops/reconcile': { 200: json('What it checked, repaired and could not repair', z.looseObject({ checked: z.int(), repaired: z.array(z.looseObject({})), stranded: z.array(z.looseObject({})) })) },
  'POST /ops/orders/{orderId}/refunds': { 201: json('The order', order) },
  'POST /ops/returns/{returnId}/approve': { 200: json('The return', returnSchema) },
  'POST /ops/returns/{returnId}/reject': { 200: json('The return', returnSchema) },
  'GET /ops/returns': { 200: json('A page of returns', page(returnSchema)) },
  'POST /sandbox/payments': { 200: json('The sandbox payment', z.looseObject({ paymentId: z.string() })) },
  'GET /sandbox/pay/{paymentId}': { 200: json('The sandbox payment', z.looseObject({ paymentId: z.string() })) },
  'GET /sandbox/payments/{paymentId}': { 200: json('The sandbox payment', z.looseObject({ paymentId: z.string() })) },
  'POST /sandbox/payments/{paymentId}/succeed': { 200: json('What the webhook answered', sandboxDelivery) },
  'POST /sandbox/payments/{paymentId}/fail': { 200: json('What the webhook answered', sandboxDelivery) },
  'POST /sandbox/payments/{paymentId}/refund': { 200: json('The sandbox payment', z.looseObject({ paymentId: z.string() })) },
  'POST /sandbox/payments/{paymentId}/close': { 200: json('The sandbox payment', z.looseObject({ paymentId: z.string() })) },
  'POST /sandbox/shipments': { 200: json('The shipment', z.looseObject({ trackingNumber: z.string() })) },
  'POST /sandbox/shipments/{trackingNumber}/events': { 200: json('What the webhook answered', sandboxDelivery) },
  'GET /ops/orders': { 200: json('A page of orders', page(order)) },
  'GET /ops/orders/export.csv': { 200: { description: 'orderId, customerId, status, createdAt, currency, totalMinor, refundedMinor, cancellationReason, carrier, trackingNumber', contentType: 'text/csv', schema: z.string() } },
  'GET /ops/orders/{orderId}/timeline': {
      200: json(
        'The timeline',
        list(z.strictObject({ at: ISO, source: z.enum(['order', 'workflow', 'payment', 'carrier', 'warehouse', 'customer', 'ops', 'event']), type: z.string(), detail: z.record(z.string(), z.unknown()) })),
      ),
    },
  'GET /ops/stuck-orders': {
      200: json(
        'The stuck orders',
        list(z.strictObject({ orderId: z.string(), status: z.enum(ORDER_STATUSES), since: ISO, problem: z.enum(['NO_EXECUTION', 'EXECUTION_FAILED', 'OVERDUE']), executionStatus: z.nullable(z.string()) })),
      ),
    },
  'POST /ops/orders/{orderId}/cancel': { 202: json('The order; the cancellation completes asynchronously', order) },
  'POST /ops/orders/{orderId}/retry': { 202: json('Resumed or started', z.strictObject({ orderId: z.string(), action: z.enum(['redriven', 'started']) })) },
  'GET /openapi.json': { 200: { description: 'The OpenAPI document', schema: z.looseObject({ openapi: z.string() }) } },
  'GET /docs': { 200: { description: 'An HTML page', contentType: 'text/html', schema: z.string() } },
  'GET /docs/{asset}': { 200: { description: 'A stylesheet or a script', contentType: 'text/plain', schema: z.string() } },
};
