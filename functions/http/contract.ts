/**
 * The HTTP contract as data: for every route, who may call it, the zod schemas that
 * validate its path, query and body, and what it answers. The handlers take their
 * validation from here (http-handler.ts refuses a route whose schemas are not these
 * very objects), and GET /openapi.json is generated from here, so the document and the
 * validation cannot drift apart.
 */
import { z } from 'zod';
import { CANCELLATION_REASONS, CARRIER_STATUSES, ORDER_STATUSES, PAYMENT_METHODS } from '../core/order.js';
import { RETURN_REASONS, RETURN_STATUSES } from '../core/returns.js';
import { EVENT_TYPES } from '../core/events.js';
import type { ErrorCode } from '../core/errors.js';
import * as requests from '../core/schemas.js';

export type Role = 'ops' | 'warehouse';
/** `public`: no token; `customer`: any signed-in caller; a list: one of those roles. */
export type Access = 'public' | 'customer' | readonly Role[];

// ---- Response schemas (what clients receive) ------------------------------------------

const ISO = z.iso.datetime({ offset: true });
const MINOR = z.int().min(0);

export const problem = z
  .strictObject({
    type: z.literal('about:blank'),
    title: z.string(),
    status: z.int(),
    code: z.string(),
    detail: z.string(),
    errors: z.array(z.unknown()).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; `code` is one of the error codes of this API.' });

const refund = z
  .strictObject({
    refundId: z.string(),
    amountMinor: MINOR,
    reason: z.enum(['ORDER_CANCELLED', 'PAYMENT_MISMATCH', 'DUPLICATE_PAYMENT', 'LATE_PAYMENT', 'SHORTAGE', 'RETURN', 'GOODWILL']),
    status: z.enum(['PENDING', 'SUCCEEDED', 'FAILED']),
    createdAt: ISO,
    completedAt: ISO.nullable(),
  })
  .meta({ id: 'Refund' });

const payment = z
  .strictObject({
    provider: z.string(),
    paymentId: z.string(),
    status: z.enum(['PENDING', 'SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'FAILED', 'CLOSED']),
    amountMinor: MINOR,
    currency: z.string(),
    checkoutUrl: z.string().nullable(),
    paidAt: ISO.nullable(),
    refundedAt: ISO.nullable(),
    refundedMinor: MINOR,
    refunds: z.array(refund),
  })
  .meta({ id: 'Payment' });

const shipment = z
  .strictObject({
    carrier: z.string(),
    trackingNumber: z.string(),
    status: z.enum(CARRIER_STATUSES).nullable(),
    events: z.array(z.strictObject({ status: z.enum(CARRIER_STATUSES), occurredAt: ISO })),
  })
  .meta({ id: 'Shipment' });

const orderFields = {
  orderId: z.string(),
  customerId: z.string(),
  status: z.enum(ORDER_STATUSES),
  items: z.array(
    z.strictObject({ sku: z.string(), name: z.string(), quantity: z.int().min(1), unitPriceMinor: MINOR, lineTotalMinor: MINOR, refundedQuantity: z.int().min(0).optional() }),
  ),
  currency: z.string(),
  totalMinor: MINOR,
  paymentMethod: z.enum(PAYMENT_METHODS),
  payment: payment.nullable(),
  shipment: shipment.nullable(),
  cancellation: z.strictObject({ reason: z.enum(CANCELLATION_REASONS), at: ISO }).nullable(),
  fulfilment: z
    .strictObject({
      shortages: z.array(z.strictObject({ sku: z.string(), missing: z.int().min(1) })),
      resolution: z.enum(['NONE', 'SHIP_AVAILABLE', 'WAIT_FOR_RESTOCK', 'CANCEL_ORDER']),
      backorderedSince: ISO.nullable(),
    })
    .nullable(),
  paymentDeadline: ISO,
  history: z.array(z.strictObject({ status: z.enum(ORDER_STATUSES), at: ISO, reason: z.enum(CANCELLATION_REASONS).optional() })),
  createdAt: ISO,
  updatedAt: ISO,
};
export const order = z.strictObject({ ...orderFields, shippingAddress: requests.shippingAddress }).meta({ id: 'Order' });
/** Order data in events: no shipping address. */
const eventOrder = z.strictObject(orderFields).meta({ id: 'EventOrder' });

const product = z
  .strictObject({
    sku: z.string(),
    name: z.string(),
    priceMinor: MINOR,
    currency: z.string(),
    available: z.int(),
    // Shown to ops only:
    reserved: z.int().optional(),
    sold: z.int().optional(),
    writtenOff: z.int().optional(),
    backordered: z.int().optional(),
    lowStockThreshold: z.int().optional(),
    stockShards: z.int().min(1).optional(),
  })
  .meta({ id: 'Product', description: '`reserved`, `sold`, `writtenOff`, `backordered`, `lowStockThreshold` and `stockShards` are shown to ops only.' });

const returnSchema = z
  .strictObject({
    returnId: z.string(),
    orderId: z.string(),
    status: z.enum(RETURN_STATUSES),
    items: z.array(z.strictObject({ sku: z.string(), quantity: z.int().min(1), reason: z.enum(RETURN_REASONS) })),
    note: z.string().nullable(),
    refundMinor: MINOR,
    history: z.array(z.strictObject({ status: z.enum(RETURN_STATUSES), at: ISO })),
    createdAt: ISO,
    updatedAt: ISO,
  })
  .meta({ id: 'Return' });

const endpointView = {
  endpointId: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  createdAt: ISO,
};
const webhookEndpoint = z.strictObject(endpointView).meta({ id: 'WebhookEndpoint' });
const delivery = z
  .strictObject({
    eventId: z.string(),
    type: z.enum(EVENT_TYPES),
    status: z.enum(['PENDING', 'DELIVERED', 'FAILED']),
    attempts: z.int().min(0),
    lastAttemptAt: ISO.nullable(),
    lastResponseStatus: z.int().nullable(),
  })
  .meta({ id: 'Delivery' });

export const event = z
  .strictObject({
    id: z.string(),
    type: z.enum(EVENT_TYPES),
    createdAt: ISO,
    sequence: z.int().min(1),
    data: z.strictObject({ order: eventOrder.optional(), return: returnSchema.optional(), product: product.optional() }),
  })
  .meta({ id: 'Event', description: 'Sent to subscribed endpoints, signed with the Standard Webhooks scheme (`webhook-id` is `id`); `sequence` counts per order (per product for stock.low) from 1.' });

const stage = z.strictObject({ count: z.int().min(0), avg: z.number().nullable(), p50: z.number().nullable(), p95: z.number().nullable() });
const day = z
  .strictObject({
    date: z.iso.date(),
    ordersPlaced: z.int(),
    ordersPaid: z.int(),
    ordersShipped: z.int(),
    ordersDelivered: z.int(),
    ordersCompleted: z.int(),
    ordersCancelled: z.strictObject(Object.fromEntries(CANCELLATION_REASONS.map((reason) => [reason, z.int()])) as Record<(typeof CANCELLATION_REASONS)[number], z.ZodInt>),
    unitsSold: z.int(),
    returnsRequested: z.int(),
    returnsRefunded: z.int(),
    money: z.record(z.string(), z.strictObject({ capturedMinor: z.int(), refundedMinor: z.int(), netMinor: z.int(), averageOrderValueMinor: z.int() })),
    stageSeconds: z.strictObject({ toPaid: stage, toPacked: stage, toShipped: stage, toDelivered: stage, toCompleted: stage }),
    efficiency: z.number(),
  })
  .meta({ id: 'ReportDay' });

const page = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item), nextCursor: z.string().nullable() });
const list = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item) });
const sandboxDelivery = z.strictObject({ delivered: z.looseObject({ status: z.int() }).nullable() });

// ---- Routes ------------------------------------------------------------------------------

export interface Answer {
  description: string;
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
}

export interface Operation {
  summary: string;
  tag: string;
  access: Access;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Webhooks: a body in the provider's own format, read raw (signatures are over the bytes). */
  rawBody?: string;
  idempotencyKey?: boolean;
  /** Served only by the staging sandbox (`-c sandbox=true`) and the local stack. */
  sandbox?: boolean;
  responses: Record<number, Answer>;
  /** Error codes this route answers beyond the common ones (validation, authentication, roles, 404 for a path, 429, 500). */
  errors?: ErrorCode[];
}

const json = (description: string, schema?: z.ZodType): Answer => ({ description, ...(schema ? { schema } : {}) });

const operations = {
  'GET /health': { summary: 'Health: 200 once the table answers', tag: 'health', access: 'public', responses: { 200: json('Healthy', z.strictObject({ status: z.literal('ok') })), 503: json('A dependency does not answer yet', problem) } },

  'GET /products': { summary: 'List products', tag: 'catalog', access: 'public', query: requests.pageQuery(50), responses: { 200: json('A page of products', page(product)) } },
  'GET /products/{sku}': { summary: 'Get a product', tag: 'catalog', access: 'public', params: requests.skuParams, responses: { 200: json('The product', product) } },
  'PUT /products/{sku}': { summary: 'Create a product or change its name, price and low-stock threshold', tag: 'catalog', access: ['ops'], params: requests.skuParams, body: requests.productBody, responses: { 200: json('The product', product) } },
  'POST /products/{sku}/restock': { summary: 'Add stock (serving backordered orders first)', tag: 'catalog', access: ['ops'], params: requests.skuParams, body: requests.restockBody, responses: { 200: json('The product', product) } },

  'POST /orders': {
    summary: 'Place an order: every line reserved, or none',
    tag: 'orders',
    access: 'customer',
    body: requests.createOrderBody,
    idempotencyKey: true,
    responses: { 201: json('The order (again, with Idempotent-Replayed: true, for a repeated key)', order) },
    errors: ['OUT_OF_STOCK', 'PRICE_CHANGED', 'UNKNOWN_SKU', 'CURRENCY_MISMATCH', 'IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_IN_PROGRESS'],
  },
  'GET /orders': { summary: "The caller's orders, newest first", tag: 'orders', access: 'customer', query: requests.pageQuery(20), responses: { 200: json('A page of orders', page(order)) } },
  'GET /orders/{orderId}': { summary: 'Get an order (owner or ops)', tag: 'orders', access: 'customer', params: requests.orderParams, responses: { 200: json('The order', order) } },
  'POST /orders/{orderId}/cancel': { summary: 'Cancel an order (owner or ops)', tag: 'orders', access: 'customer', params: requests.orderParams, responses: { 202: json('The order; the cancellation completes asynchronously', order) }, errors: ['INVALID_STATE'] },
  'POST /orders/{orderId}/confirm-receipt': { summary: 'Confirm receipt (owner)', tag: 'orders', access: 'customer', params: requests.orderParams, responses: { 200: json('The order, COMPLETED at once or shortly after', order) }, errors: ['INVALID_STATE'] },
  'POST /orders/{orderId}/returns': {
    summary: 'Request a return (owner)',
    tag: 'returns',
    access: 'customer',
    params: requests.orderParams,
    body: requests.returnRequestBody,
    idempotencyKey: true,
    responses: { 201: json('The return', returnSchema) },
    errors: ['INVALID_STATE', 'RETURN_WINDOW_CLOSED', 'RETURN_QUANTITY_EXCEEDED', 'IDEMPOTENCY_KEY_REUSED'],
  },
  'GET /orders/{orderId}/returns': { summary: "An order's returns (owner or ops)", tag: 'returns', access: 'customer', params: requests.orderParams, responses: { 200: json('The returns', list(returnSchema)) } },

  'POST /webhooks/payments/{provider}': {
    summary: "A payment provider's notification, verified by the provider's own scheme",
    tag: 'webhooks',
    access: 'public',
    params: requests.providerParams,
    rawBody: "The provider's notification as it sends it (JSON, or form-encoded for Alipay).",
    responses: { 200: { description: "The provider's success answer (JSON, or `success` as text for Alipay)", contentType: '*/*' }, 204: { description: 'The success answer for WeChat Pay' } },
    errors: ['INVALID_SIGNATURE'],
  },
  'POST /webhooks/carriers/{carrier}': {
    summary: "A carrier's tracking push (Standard Webhooks for the sandbox, Kuaidi100's signed push)",
    tag: 'webhooks',
    access: 'public',
    params: requests.carrierParams,
    rawBody: "The carrier's push as it sends it (JSON, or form-encoded for Kuaidi100).",
    responses: { 200: { description: "The carrier's success answer", contentType: '*/*' } },
    errors: ['INVALID_SIGNATURE'],
  },

  'GET /warehouse/tasks': {
    summary: 'Open pick tasks, oldest first',
    tag: 'warehouse',
    access: ['warehouse', 'ops'],
    query: requests.pageQuery(50),
    responses: { 200: json('A page of pick tasks', page(z.strictObject({ orderId: z.string(), items: z.array(z.strictObject({ sku: z.string(), name: z.string(), quantity: z.int() })), createdAt: ISO }))) },
  },
  'POST /warehouse/tasks/{orderId}/complete': { summary: 'Picked and packed', tag: 'warehouse', access: ['warehouse'], params: requests.orderParams, body: requests.completePickBody, responses: { 200: json('Packed', z.strictObject({ orderId: z.string(), status: z.enum(ORDER_STATUSES) })) }, errors: ['INVALID_STATE'] },
  'POST /warehouse/tasks/{orderId}/shortage': { summary: 'Goods missing: cancel, ship what was found, or wait for a restock', tag: 'warehouse', access: ['warehouse'], params: requests.orderParams, body: requests.shortageBody, responses: { 202: json('Accepted', z.strictObject({ orderId: z.string(), status: z.enum(ORDER_STATUSES) })) }, errors: ['INVALID_STATE'] },
  'GET /warehouse/returns': { summary: 'Approved returns not yet received, oldest first', tag: 'warehouse', access: ['warehouse', 'ops'], responses: { 200: json('The returns', list(returnSchema)) } },
  'POST /warehouse/returns/{returnId}/receive': { summary: 'A return arrived: resellable units back to stock, the received units refunded', tag: 'warehouse', access: ['warehouse'], params: requests.returnParams, body: requests.receiveReturnBody, responses: { 200: json('The return', returnSchema) }, errors: ['INVALID_STATE'] },

  'POST /ops/webhook-endpoints': { summary: 'Subscribe an endpoint to events (its secret is shown only here)', tag: 'events', access: ['ops'], body: requests.webhookEndpointBody, responses: { 201: json('The endpoint and its secret', z.strictObject({ ...endpointView, secret: z.string() })) }, errors: ['UNSAFE_URL'] },
  'GET /ops/webhook-endpoints': { summary: 'The subscribed endpoints (no secrets)', tag: 'events', access: ['ops'], responses: { 200: json('The endpoints', list(webhookEndpoint)) } },
  'DELETE /ops/webhook-endpoints/{endpointId}': { summary: 'Unsubscribe an endpoint', tag: 'events', access: ['ops'], params: requests.endpointParams, responses: { 204: { description: 'Deleted' } } },
  'GET /ops/webhook-endpoints/{endpointId}/deliveries': { summary: "An endpoint's deliveries, newest first", tag: 'events', access: ['ops'], params: requests.endpointParams, query: requests.deliveriesQuery, responses: { 200: json('A page of deliveries', page(delivery)) } },
  'POST /ops/webhook-endpoints/{endpointId}/deliveries/{eventId}/retry': {
    summary: 'Send a delivery again now',
    tag: 'events',
    access: ['ops'],
    params: requests.deliveryParams,
    responses: { 202: json('Queued', z.strictObject({ endpointId: z.string(), eventId: z.string(), status: z.literal('PENDING') })) },
  },

  'GET /ops/reports/daily': { summary: 'Daily figures (at most 92 days, in REPORT_TIMEZONE)', tag: 'reports', access: ['ops'], query: requests.reportQuery, responses: { 200: json('The days', z.strictObject({ timezone: z.string(), days: z.array(day) })) } },
  'GET /ops/reports/daily.csv': { summary: 'The same as CSV (RFC 4180, dotted column names)', tag: 'reports', access: ['ops'], query: requests.reportQuery, responses: { 200: { description: 'One row per day', contentType: 'text/csv', schema: z.string() } } },

  'GET /ops/dead-letters': {
    summary: "Each stage's dead letters",
    tag: 'operations',
    access: ['ops'],
    responses: { 200: json('Per stage: a count and a peek at up to 10 messages', list(z.looseObject({ stage: z.string(), approximateCount: z.int(), messages: z.array(z.looseObject({})) }))) },
  },
  'POST /ops/dead-letters/{stage}/redrive': { summary: "Move a stage's dead letters back to its queue", tag: 'operations', access: ['ops'], params: z.strictObject({ stage: z.string().regex(/^[a-z]{1,32}$/) }), responses: { 200: json('Being moved back by an SQS message move task: how many (the DLQ\'s count when it started) and the task', z.strictObject({ stage: z.string(), moved: z.int(), taskHandle: z.string() })) } },
  'POST /ops/reconcile': {
    summary: 'Run the stranded-order reconciler now',
    tag: 'operations',
    access: ['ops'],
    responses: { 200: json('What it checked, repaired and could not repair', z.looseObject({ checked: z.int(), repaired: z.array(z.looseObject({})), stranded: z.array(z.looseObject({})) })) },
  },
  'POST /ops/orders/{orderId}/refunds': { summary: 'A goodwill partial refund', tag: 'returns', access: ['ops'], params: requests.orderParams, body: requests.partialRefundBody, idempotencyKey: true, responses: { 201: json('The order', order) }, errors: ['REFUND_EXCEEDS_BALANCE', 'IDEMPOTENCY_KEY_REUSED', 'INVALID_STATE'] },
  'POST /ops/returns/{returnId}/approve': { summary: 'Approve a requested return', tag: 'returns', access: ['ops'], params: requests.returnParams, body: requests.returnVerdictBody, responses: { 200: json('The return', returnSchema) }, errors: ['INVALID_STATE'] },
  'POST /ops/returns/{returnId}/reject': { summary: 'Reject a requested return', tag: 'returns', access: ['ops'], params: requests.returnParams, body: requests.returnVerdictBody, responses: { 200: json('The return', returnSchema) }, errors: ['INVALID_STATE'] },
  'GET /ops/returns': { summary: 'Returns by status', tag: 'returns', access: ['ops'], query: requests.returnsQuery, responses: { 200: json('A page of returns', page(returnSchema)) } },

  'POST /sandbox/payments': { summary: 'Sandbox provider: create a payment', tag: 'sandbox', sandbox: true, access: 'public', body: requests.sandboxCreatePaymentBody, responses: { 200: json('The sandbox payment', z.looseObject({ paymentId: z.string() })) } },
  'GET /sandbox/pay/{paymentId}': { summary: "Sandbox provider: the payment's checkout page", tag: 'sandbox', sandbox: true, access: 'public', params: requests.sandboxPaymentParams, responses: { 200: json('The sandbox payment', z.looseObject({ paymentId: z.string() })) } },
  'GET /sandbox/payments/{paymentId}': { summary: 'Sandbox provider: a payment', tag: 'sandbox', sandbox: true, access: 'public', params: requests.sandboxPaymentParams, responses: { 200: json('The sandbox payment', z.looseObject({ paymentId: z.string() })) } },
  'POST /sandbox/payments/{paymentId}/succeed': { summary: 'Sandbox provider: the customer pays (the signed notification is sent)', tag: 'sandbox', sandbox: true, access: 'public', params: requests.sandboxPaymentParams, body: requests.sandboxAttemptBody, responses: { 200: json('What the webhook answered', sandboxDelivery) }, errors: ['INVALID_STATE'] },
  'POST /sandbox/payments/{paymentId}/fail': { summary: 'Sandbox provider: the payment fails', tag: 'sandbox', sandbox: true, access: 'public', params: requests.sandboxPaymentParams, body: requests.sandboxAttemptBody, responses: { 200: json('What the webhook answered', sandboxDelivery) }, errors: ['INVALID_STATE'] },
  'POST /sandbox/payments/{paymentId}/refund': { summary: 'Sandbox provider: refund', tag: 'sandbox', sandbox: true, access: 'public', params: requests.sandboxPaymentParams, body: requests.sandboxRefundBody, responses: { 200: json('The sandbox payment', z.looseObject({ paymentId: z.string() })) }, errors: ['INVALID_STATE'] },
  'POST /sandbox/payments/{paymentId}/close': { summary: 'Sandbox provider: close an unpaid payment', tag: 'sandbox', sandbox: true, access: 'public', params: requests.sandboxPaymentParams, responses: { 200: json('The sandbox payment', z.looseObject({ paymentId: z.string() })) }, errors: ['INVALID_STATE'] },
  'POST /sandbox/shipments': { summary: 'Sandbox carrier: book a shipment', tag: 'sandbox', sandbox: true, access: 'public', body: requests.sandboxCreateShipmentBody, responses: { 200: json('The shipment', z.looseObject({ trackingNumber: z.string() })) } },
  'POST /sandbox/shipments/{trackingNumber}/events': { summary: 'Sandbox carrier: a tracking event (the signed push is sent)', tag: 'sandbox', sandbox: true, access: 'public', params: requests.sandboxTrackingParams, body: requests.sandboxTrackingEventBody, responses: { 200: json('What the webhook answered', sandboxDelivery) } },

  'GET /ops/orders': {
    summary: 'Search orders, newest first (status, customer, SKU, creation time; 92 days back unless `from` says otherwise)',
    tag: 'operations',
    access: ['ops'],
    query: requests.opsOrdersQuery,
    responses: { 200: json('A page of orders', page(order)) },
  },
  'GET /ops/orders/export.csv': {
    summary: 'The same search as CSV, every page',
    tag: 'operations',
    access: ['ops'],
    query: requests.opsOrdersExportQuery,
    responses: { 200: { description: 'orderId, customerId, status, createdAt, currency, totalMinor, refundedMinor, cancellationReason, carrier, trackingNumber', contentType: 'text/csv', schema: z.string() } },
  },
  'GET /ops/orders/{orderId}/timeline': {
    summary: 'Everything that happened to an order, oldest first (no personal data)',
    tag: 'operations',
    access: ['ops'],
    params: requests.orderParams,
    responses: {
      200: json(
        'The timeline',
        list(z.strictObject({ at: ISO, source: z.enum(['order', 'workflow', 'payment', 'carrier', 'warehouse', 'customer', 'ops', 'event']), type: z.string(), detail: z.record(z.string(), z.unknown()) })),
      ),
    },
  },
  'GET /ops/stuck-orders': {
    summary: 'Orders not final with no running execution, or past a deadline with no progress',
    tag: 'operations',
    access: ['ops'],
    responses: {
      200: json(
        'The stuck orders',
        list(z.strictObject({ orderId: z.string(), status: z.enum(ORDER_STATUSES), since: ISO, problem: z.enum(['NO_EXECUTION', 'EXECUTION_FAILED', 'OVERDUE']), executionStatus: z.string().nullable() })),
      ),
    },
  },
  'POST /ops/orders/{orderId}/cancel': {
    summary: "An operator's cancel (reason OPS_CANCELLED), also while PACKED",
    tag: 'operations',
    access: ['ops'],
    params: requests.orderParams,
    body: requests.opsCancelBody,
    responses: { 202: json('The order; the cancellation completes asynchronously', order) },
    errors: ['INVALID_STATE'],
  },
  'POST /ops/orders/{orderId}/retry': {
    summary: 'Resume an order whose execution failed, from the state that failed (RedriveExecution), or start its missing execution',
    tag: 'operations',
    access: ['ops'],
    params: requests.orderParams,
    responses: { 202: json('Resumed or started', z.strictObject({ orderId: z.string(), action: z.enum(['redriven', 'started']) })) },
    errors: ['INVALID_STATE'],
  },

  'GET /openapi.json': { summary: 'This document (OpenAPI 3.1)', tag: 'documentation', access: 'public', responses: { 200: { description: 'The OpenAPI document', schema: z.looseObject({ openapi: z.string() }) } } },
  'GET /docs': { summary: 'This document, rendered (Swagger UI)', tag: 'documentation', access: 'public', responses: { 200: { description: 'An HTML page', contentType: 'text/html', schema: z.string() } } },
  'GET /docs/{asset}': {
    summary: "The rendered document's assets",
    tag: 'documentation',
    access: 'public',
    params: z.strictObject({ asset: z.string().regex(/^[a-z0-9.-]{1,64}$/) }),
    responses: { 200: { description: 'A stylesheet or a script', contentType: 'text/plain', schema: z.string() } },
  },
} satisfies Record<string, Operation>;

export type RouteKey = keyof typeof operations;
export const contract: Record<RouteKey, Operation> & typeof operations = operations;

/** A route's validation, to spread into its handler's route (types follow the schemas). */
export function validation<K extends RouteKey>(key: K): Pick<(typeof operations)[K], Extract<keyof (typeof operations)[K], 'access' | 'params' | 'query' | 'body'>> {
  const { access, params, query, body } = operations[key] as Operation;
  return { access, ...(params ? { params } : {}), ...(query ? { query } : {}), ...(body ? { body } : {}) } as never;
}
