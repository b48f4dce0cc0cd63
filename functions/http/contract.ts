/**
 * The HTTP contract as data: for every route, who may call it and the zod schemas
 * that validate its path, query and body. The handlers take their validation from
 * here (http-handler.ts refuses a route whose schema builders are not these very
 * ones), and GET /openapi.json is generated from here and from what each route answers
 * (contract-responses.ts), so the document and the validation cannot drift apart.
 * Every HTTP function loads this at a cold start, and builds a route's request schemas
 * (zod/mini) on its first request; the response schemas are loaded only to write the
 * document.
 */
import * as z from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import type { ErrorCode } from '../core/errors.js';
import * as requests from '../core/schemas.js';
import { once, type Lazy } from '../shared/once.js';

export type Role = 'ops' | 'warehouse';
/** `public`: no token; `customer`: any signed-in caller; a list: one of those roles. */
export type Access = 'public' | 'customer' | readonly Role[];

// ---- Routes ------------------------------------------------------------------------------

export interface Operation {
  summary: string;
  tag: string;
  access: Access;
  /** Schemas are built on first use (`once`): a function builds a route's on its first request for it. */
  params?: Lazy<$ZodType>;
  query?: Lazy<$ZodType>;
  body?: Lazy<$ZodType>;
  /** Webhooks: a body in the provider's own format, read raw (signatures are over the bytes). */
  rawBody?: string;
  idempotencyKey?: boolean;
  /** Served only by the staging sandbox (`-c sandbox=true`) and the local stack. */
  sandbox?: boolean;
  /** Error codes this route answers beyond the common ones (validation, authentication, roles, 404 for a path, 429, 500). */
  errors?: ErrorCode[];
}


const operations = {
  'GET /health': { summary: 'Health: 200 once the table answers', tag: 'health', access: 'public' },

  'GET /products': { summary: 'List products', tag: 'catalog', access: 'public', query: requests.pageQuery(50) },
  'GET /products/{sku}': { summary: 'Get a product', tag: 'catalog', access: 'public', params: requests.skuParams },
  'PUT /products/{sku}': { summary: 'Create a product or change its name, price and low-stock threshold', tag: 'catalog', access: ['ops'], params: requests.skuParams, body: requests.productBody },
  'POST /products/{sku}/restock': { summary: 'Add stock (serving backordered orders first)', tag: 'catalog', access: ['ops'], params: requests.skuParams, body: requests.restockBody },

  'POST /orders': {
    summary: 'Place an order: every line reserved, or none',
    tag: 'orders',
    access: 'customer',
    body: requests.createOrderBody,
    idempotencyKey: true,
    errors: ['OUT_OF_STOCK', 'PRICE_CHANGED', 'UNKNOWN_SKU', 'CURRENCY_MISMATCH', 'IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_IN_PROGRESS'],
  },
  'GET /orders': { summary: "The caller's orders, newest first", tag: 'orders', access: 'customer', query: requests.pageQuery(20) },
  'GET /orders/{orderId}': { summary: 'Get an order (owner or ops)', tag: 'orders', access: 'customer', params: requests.orderParams },
  'POST /orders/{orderId}/cancel': { summary: 'Cancel an order (owner or ops)', tag: 'orders', access: 'customer', params: requests.orderParams, errors: ['INVALID_STATE'] },
  'POST /orders/{orderId}/confirm-receipt': { summary: 'Confirm receipt (owner)', tag: 'orders', access: 'customer', params: requests.orderParams, errors: ['INVALID_STATE'] },
  'POST /orders/{orderId}/returns': {
    summary: 'Request a return (owner)',
    tag: 'returns',
    access: 'customer',
    params: requests.orderParams,
    body: requests.returnRequestBody,
    idempotencyKey: true,
    errors: ['INVALID_STATE', 'RETURN_WINDOW_CLOSED', 'RETURN_QUANTITY_EXCEEDED', 'IDEMPOTENCY_KEY_REUSED'],
  },
  'GET /orders/{orderId}/returns': { summary: "An order's returns (owner or ops)", tag: 'returns', access: 'customer', params: requests.orderParams },

  'POST /webhooks/payments/{provider}': {
    summary: "A payment provider's notification, verified by the provider's own scheme",
    tag: 'webhooks',
    access: 'public',
    params: requests.providerParams,
    rawBody: "The provider's notification as it sends it (JSON, or form-encoded for Alipay).",
    errors: ['INVALID_SIGNATURE'],
  },
  'POST /webhooks/carriers/{carrier}': {
    summary: "A carrier's tracking push (Standard Webhooks for the sandbox, Kuaidi100's signed push)",
    tag: 'webhooks',
    access: 'public',
    params: requests.carrierParams,
    rawBody: "The carrier's push as it sends it (JSON, or form-encoded for Kuaidi100).",
    errors: ['INVALID_SIGNATURE'],
  },

  'GET /warehouse/tasks': {
    summary: 'Open pick tasks, oldest first',
    tag: 'warehouse',
    access: ['warehouse', 'ops'],
    query: requests.pageQuery(50),
  },
  'POST /warehouse/tasks/{orderId}/complete': { summary: 'Picked and packed', tag: 'warehouse', access: ['warehouse'], params: requests.orderParams, body: requests.completePickBody, errors: ['INVALID_STATE'] },
  'POST /warehouse/tasks/{orderId}/shortage': { summary: 'Goods missing: cancel, ship what was found, or wait for a restock', tag: 'warehouse', access: ['warehouse'], params: requests.orderParams, body: requests.shortageBody, errors: ['INVALID_STATE'] },
  'GET /warehouse/returns': { summary: 'Approved returns not yet received, oldest first', tag: 'warehouse', access: ['warehouse', 'ops'] },
  'POST /warehouse/returns/{returnId}/receive': { summary: 'A return arrived: resellable units back to stock, the received units refunded', tag: 'warehouse', access: ['warehouse'], params: requests.returnParams, body: requests.receiveReturnBody, errors: ['INVALID_STATE'] },

  'POST /ops/webhook-endpoints': { summary: 'Subscribe an endpoint to events (its secret is shown only here)', tag: 'events', access: ['ops'], body: requests.webhookEndpointBody, errors: ['UNSAFE_URL'] },
  'GET /ops/webhook-endpoints': { summary: 'The subscribed endpoints (no secrets)', tag: 'events', access: ['ops'] },
  'DELETE /ops/webhook-endpoints/{endpointId}': { summary: 'Unsubscribe an endpoint', tag: 'events', access: ['ops'], params: requests.endpointParams },
  'GET /ops/webhook-endpoints/{endpointId}/deliveries': { summary: "An endpoint's deliveries, newest first", tag: 'events', access: ['ops'], params: requests.endpointParams, query: requests.deliveriesQuery },
  'POST /ops/webhook-endpoints/{endpointId}/deliveries/{eventId}/retry': {
    summary: 'Send a delivery again now',
    tag: 'events',
    access: ['ops'],
    params: requests.deliveryParams,
  },

  'GET /ops/reports/daily': { summary: 'Daily figures (at most 92 days, in REPORT_TIMEZONE)', tag: 'reports', access: ['ops'], query: requests.reportQuery },
  'GET /ops/reports/daily.csv': { summary: 'The same as CSV (RFC 4180, dotted column names)', tag: 'reports', access: ['ops'], query: requests.reportQuery },

  'GET /ops/dead-letters': {
    summary: "Each stage's dead letters",
    tag: 'operations',
    access: ['ops'],
  },
  'POST /ops/dead-letters/{stage}/redrive': { summary: "Move a stage's dead letters back to its queue", tag: 'operations', access: ['ops'], params: once(() => z.strictObject({ stage: z.string().check(z.regex(/^[a-z]{1,32}$/)) })) },
  'POST /ops/reconcile': {
    summary: 'Run the stranded-order reconciler now',
    tag: 'operations',
    access: ['ops'],
  },
  'POST /ops/orders/{orderId}/refunds': { summary: 'A goodwill partial refund', tag: 'returns', access: ['ops'], params: requests.orderParams, body: requests.partialRefundBody, idempotencyKey: true, errors: ['REFUND_EXCEEDS_BALANCE', 'IDEMPOTENCY_KEY_REUSED', 'INVALID_STATE'] },
  'POST /ops/returns/{returnId}/approve': { summary: 'Approve a requested return', tag: 'returns', access: ['ops'], params: requests.returnParams, body: requests.returnVerdictBody, errors: ['INVALID_STATE'] },
  'POST /ops/returns/{returnId}/reject': { summary: 'Reject a requested return', tag: 'returns', access: ['ops'], params: requests.returnParams, body: requests.returnVerdictBody, errors: ['INVALID_STATE'] },
  'GET /ops/returns': { summary: 'Returns by status', tag: 'returns', access: ['ops'], query: requests.returnsQuery },

  'POST /sandbox/payments': { summary: 'Sandbox provider: create a payment', tag: 'sandbox', sandbox: true, access: 'public', body: requests.sandboxCreatePaymentBody },
  'GET /sandbox/pay/{paymentId}': { summary: "Sandbox provider: the payment's checkout page", tag: 'sandbox', sandbox: true, access: 'public', params: requests.sandboxPaymentParams },
  'GET /sandbox/payments/{paymentId}': { summary: 'Sandbox provider: a payment', tag: 'sandbox', sandbox: true, access: 'public', params: requests.sandboxPaymentParams },
  'POST /sandbox/payments/{paymentId}/succeed': { summary: 'Sandbox provider: the customer pays (the signed notification is sent)', tag: 'sandbox', sandbox: true, access: 'public', params: requests.sandboxPaymentParams, body: requests.sandboxAttemptBody, errors: ['INVALID_STATE'] },
  'POST /sandbox/payments/{paymentId}/fail': { summary: 'Sandbox provider: the payment fails', tag: 'sandbox', sandbox: true, access: 'public', params: requests.sandboxPaymentParams, body: requests.sandboxAttemptBody, errors: ['INVALID_STATE'] },
  'POST /sandbox/payments/{paymentId}/refund': { summary: 'Sandbox provider: refund', tag: 'sandbox', sandbox: true, access: 'public', params: requests.sandboxPaymentParams, body: requests.sandboxRefundBody, errors: ['INVALID_STATE'] },
  'POST /sandbox/payments/{paymentId}/close': { summary: 'Sandbox provider: close an unpaid payment', tag: 'sandbox', sandbox: true, access: 'public', params: requests.sandboxPaymentParams, errors: ['INVALID_STATE'] },
  'POST /sandbox/shipments': { summary: 'Sandbox carrier: book a shipment', tag: 'sandbox', sandbox: true, access: 'public', body: requests.sandboxCreateShipmentBody },
  'POST /sandbox/shipments/{trackingNumber}/events': { summary: 'Sandbox carrier: a tracking event (the signed push is sent)', tag: 'sandbox', sandbox: true, access: 'public', params: requests.sandboxTrackingParams, body: requests.sandboxTrackingEventBody },

  'GET /ops/orders': {
    summary: 'Search orders, newest first (status, customer, SKU, creation time; 92 days back unless `from` says otherwise)',
    tag: 'operations',
    access: ['ops'],
    query: requests.opsOrdersQuery,
  },
  'GET /ops/orders/export.csv': {
    summary: 'The same search as CSV, every page',
    tag: 'operations',
    access: ['ops'],
    query: requests.opsOrdersExportQuery,
  },
  'GET /ops/orders/{orderId}/timeline': {
    summary: 'Everything that happened to an order, oldest first (no personal data)',
    tag: 'operations',
    access: ['ops'],
    params: requests.orderParams,
  },
  'GET /ops/stuck-orders': {
    summary: 'Orders not final with no running execution, or past a deadline with no progress',
    tag: 'operations',
    access: ['ops'],
  },
  'POST /ops/orders/{orderId}/cancel': {
    summary: "An operator's cancel (reason OPS_CANCELLED), also while PACKED",
    tag: 'operations',
    access: ['ops'],
    params: requests.orderParams,
    body: requests.opsCancelBody,
    errors: ['INVALID_STATE'],
  },
  'POST /ops/orders/{orderId}/retry': {
    summary: 'Resume an order whose execution failed, from the state that failed (RedriveExecution), or start its missing execution',
    tag: 'operations',
    access: ['ops'],
    params: requests.orderParams,
    errors: ['INVALID_STATE'],
  },

  'GET /openapi.json': { summary: 'This document (OpenAPI 3.1)', tag: 'documentation', access: 'public' },
  'GET /docs': { summary: 'This document, rendered (Swagger UI)', tag: 'documentation', access: 'public' },
  'GET /docs/{asset}': {
    summary: "The rendered document's assets",
    tag: 'documentation',
    access: 'public',
    params: once(() => z.strictObject({ asset: z.string().check(z.regex(/^[a-z0-9.-]{1,64}$/)) })),
  },
} satisfies Record<string, Operation>;

export type RouteKey = keyof typeof operations;
export const contract: Record<RouteKey, Operation> & typeof operations = operations;

/** An operation with its schemas built. */
export type BuiltOperation = Omit<Operation, 'params' | 'query' | 'body'> & { params?: $ZodType; query?: $ZodType; body?: $ZodType };

/** A route's operation, its schemas built (the same objects every time). */
export function builtOperation(key: RouteKey): BuiltOperation {
  const { params, query, body, ...rest } = operations[key] as Operation;
  return { ...rest, ...(params ? { params: params() } : {}), ...(query ? { query: query() } : {}), ...(body ? { body: body() } : {}) };
}

/**
 * A route's validation, to spread into its handler's route (types follow the schemas):
 * the contract's own schema builders, so a route builds its schemas on its first
 * request, and a function never builds those of routes it is not asked.
 */
export function validation<K extends RouteKey>(key: K): Pick<(typeof operations)[K], Extract<keyof (typeof operations)[K], 'access' | 'params' | 'query' | 'body'>> {
  const { access, params, query, body } = operations[key] as Operation;
  return { access, ...(params ? { params } : {}), ...(query ? { query } : {}), ...(body ? { body } : {}) } as never;
}
