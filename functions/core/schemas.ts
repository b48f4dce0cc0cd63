/**
 * Request schemas, in zod's tree-shakable build (`zod/mini`: the same library and
 * checks as the full build, functions instead of methods). Every HTTP function loads
 * these at a cold start; the full build alone would add some 25 ms there.
 * Every object is strict: an unknown field is a 400, so no body can smuggle in a
 * price, a status or a customer id.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { once } from '../shared/once.js';
import { CARRIER_STATUSES, ORDER_ID_PATTERN, ORDER_STATUSES, PAYMENT_METHODS } from './order.js';
import { RETURN_ID_PATTERN, RETURN_REASONS, RETURN_STATUSES } from './returns.js';
import { EVENT_TYPES } from './events.js';
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES, MAX_REPORTED_AMOUNT_MINOR, MAX_UNIT_PRICE_MINOR } from './money.js';
import { MAX_STOCK_SHARDS } from './stock-shards.js';

// zod/mini loads no messages by default; API.md's `errors[].message` reads as the full build's.
z.config(en());

// Schemas are built on first use (`once`): the contract names every route's schemas,
// and each costs something to build; a function builds only its own routes' at a cold
// start. Memoized: a route's validation is the contract's very object.

/** A string matching a pattern (with the message a client sees when it does not). */
const matching = (pattern: RegExp, message?: string) => z.string().check(z.regex(pattern, message));
/** An integer within bounds. */
const int = (min: number, max?: number) => z.int().check(z.minimum(min), ...(max === undefined ? [] : [z.maximum(max)]));
/** A string of at most `max` characters. */
const upTo = (max: number) => z.string().check(z.maxLength(max));
/** A string of `min` to `max` characters. */
const between = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
/** A query's number (query values arrive as text). */
const queryInt = (min: number, max: number) => z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max));
const unique = <T extends { sku: string }>(message: string) => z.refine<T[]>((items) => new Set(items.map((i) => i.sku)).size === items.length, message);

export const SKU = once(() => matching(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1 to 64 characters of A-Z a-z 0-9 - _ .'));
export const ORDER_ID = once(() => matching(ORDER_ID_PATTERN, 'must be an order id (ord_ and 26 ULID characters)'));
export const CURRENCY = once(() => matching(/^[A-Z]{3}$/, 'must be an ISO 4217 code'));
/** A catalog or line price (money.ts holds every bound). */
const PRICE_MINOR = once(() => int(0, MAX_UNIT_PRICE_MINOR));
/** An amount a provider reports: any exact integer, so that no real payment is refused unrecorded. */
const REPORTED_MINOR = once(() => int(0, MAX_REPORTED_AMOUNT_MINOR));
const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

export const idempotencyKey = once(() => matching(/^[\x21-\x7E]{1,255}$/, 'must be 1 to 255 visible ASCII characters'));

export const productBody = once(() => z.strictObject({
  name: text(200),
  priceMinor: PRICE_MINOR(),
  currency: CURRENCY(),
  /** `stock.low` when `available` falls to or below it; 0 (the default) is off. */
  lowStockThreshold: z.optional(int(0, 1_000_000)),
  /** How many items the SKU's stock is split across (a flash sale's write rate); kept when not given. */
  stockShards: z.optional(int(1, MAX_STOCK_SHARDS)),
}));

export const restockBody = once(() => z.strictObject({
  quantity: int(1, 1_000_000),
}));

export const shippingAddress = once(() => z.strictObject({
  name: text(200),
  phone: text(40),
  line1: text(200),
  line2: z.optional(text(200)),
  city: text(100),
  region: z.optional(text(100)),
  postalCode: text(20),
  country: matching(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'),
}));

const orderLine = once(() => z.strictObject({
  sku: SKU(),
  quantity: int(1, MAX_LINE_QUANTITY),
  unitPriceMinor: PRICE_MINOR(),
}));
export const createOrderBody = once(() => z.strictObject({
  items: z.array(orderLine()).check(z.minLength(1), z.maxLength(MAX_ORDER_LINES), unique<z.infer<ReturnType<typeof orderLine>>>('each SKU may appear at most once')),
  currency: CURRENCY(),
  shippingAddress: shippingAddress(),
  paymentMethod: z.enum(PAYMENT_METHODS),
}));
export type CreateOrderBody = z.infer<ReturnType<typeof createOrderBody>>;

const cursor = once(() => between(1, 1024));
export const pageQuery = (defaultLimit: number) =>
  once(() => z.strictObject({
    limit: z._default(queryInt(1, 100), defaultLimit),
    cursor: z.optional(cursor()),
  }));

export const skuParams = once(() => z.strictObject({ sku: SKU() }));
export const orderParams = once(() => z.strictObject({ orderId: ORDER_ID() }));
export const providerParams = once(() => z.strictObject({ provider: z.enum(['sandbox', 'alipay', 'wechatpay', 'paypal', 'stripe']) }));
export const carrierParams = once(() => z.strictObject({ carrier: z.enum(['sandbox', 'kuaidi100']) }));

export const completePickBody = once(() => z.optional(
  z.strictObject({
    packages: z.optional(z.array(z.strictObject({ weightGrams: int(1, 1_000_000) })).check(z.minLength(1), z.maxLength(50))),
  }),
));

export const shortageBody = once(() => z.strictObject({
  items: z.array(z.strictObject({ sku: SKU(), missing: int(1, 999) })).check(z.minLength(1), z.maxLength(50)),
  resolution: z.optional(z.enum(['CANCEL_ORDER', 'SHIP_AVAILABLE', 'WAIT_FOR_RESTOCK'])),
}));

/** Payment provider events, after their signature verified. */
export const sandboxPaymentEvent = once(() => z.strictObject({
  type: z.enum(['payment.succeeded', 'payment.failed']),
  data: z.strictObject({
    paymentId: between(1, 128),
    orderId: ORDER_ID(),
    amountMinor: REPORTED_MINOR(),
    currency: CURRENCY(),
    reason: z.optional(upTo(500)),
  }),
}));
export type SandboxPaymentEvent = z.infer<ReturnType<typeof sandboxPaymentEvent>>;

export const carrierEvent = once(() => z.strictObject({
  type: z.literal('tracking.updated'),
  data: z.strictObject({
    trackingNumber: between(1, 64),
    status: z.enum(CARRIER_STATUSES),
    occurredAt: z.iso.datetime(),
  }),
}));
export type CarrierEvent = z.infer<ReturnType<typeof carrierEvent>>;

/** Turns zod issues (from either of zod's builds) into API.md's `errors: [{ path, message }]`. */
export function issuesToErrors(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }, prefix: string): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

/** An operator's partial refund (API.md "Returns and refunds"). */
export const partialRefundBody = once(() => z.strictObject({
  amountMinor: int(1, MAX_REPORTED_AMOUNT_MINOR),
  reason: z.literal('GOODWILL'),
  note: z.optional(upTo(500)),
}));

/** Returns (API.md "Returns and refunds (after-sales)"). */
const returnLine = once(() => z.strictObject({ sku: SKU(), quantity: int(1, MAX_LINE_QUANTITY), reason: z.enum(RETURN_REASONS) }));
export const returnRequestBody = once(() => z.strictObject({
  items: z.array(returnLine()).check(z.minLength(1), z.maxLength(MAX_ORDER_LINES), unique<z.infer<ReturnType<typeof returnLine>>>('each SKU at most once')),
  note: z.optional(upTo(500)),
}));
export const returnParams = once(() => z.strictObject({ returnId: matching(RETURN_ID_PATTERN, 'must be a return id') }));
export const returnVerdictBody = once(() => z.optional(z.strictObject({ note: z.optional(upTo(500)) })));
export const returnsQuery = once(() => z.strictObject({
  status: z._default(z.enum(RETURN_STATUSES), 'REQUESTED'),
  limit: z._default(queryInt(1, 100), 50),
  cursor: z.optional(cursor()),
}));
export const receiveReturnBody = once(() => z.strictObject({
  items: z
    .array(z.strictObject({ sku: SKU(), quantity: int(0, MAX_LINE_QUANTITY), condition: z.enum(['RESELLABLE', 'DAMAGED']) }))
    .check(z.minLength(1), z.maxLength(2 * MAX_ORDER_LINES)),
}));

/** Outbound webhook endpoints (API.md "Events to other systems"). */
export const webhookEndpointBody = once(() => z.strictObject({
  url: between(1, 2048),
  events: z.array(z.enum(['*', ...EVENT_TYPES])).check(z.minLength(1), z.maxLength(EVENT_TYPES.length + 1)),
  description: z.optional(upTo(500)),
}));
const ENDPOINT_ID = once(() => matching(/^we_[0-9A-HJKMNP-TV-Z]{26}$/, 'must be an endpoint id'));
export const endpointParams = once(() => z.strictObject({ endpointId: ENDPOINT_ID() }));
export const deliveryParams = once(() => z.strictObject({ endpointId: ENDPOINT_ID(), eventId: matching(/^evt_[0-9a-f]{32}$/, 'must be an event id') }));
export const deliveriesQuery = once(() => z.strictObject({
  status: z.optional(z.enum(['PENDING', 'DELIVERED', 'FAILED'])),
  limit: z._default(queryInt(1, 100), 50),
  cursor: z.optional(cursor()),
}));

/** Daily reports: calendar dates, both ends included. */
const DATE = once(() => z.iso.date());
export const reportQuery = once(() => z.strictObject({ from: DATE(), to: DATE() }));

/** The sandbox provider and carrier (API.md "Local sandboxes"; deployed only for staging). */
const SANDBOX_MINOR = once(() => int(0));
const sandboxOrderRef = once(() => between(1, 64));
export const sandboxPaymentParams = once(() => z.strictObject({ paymentId: matching(/^pay_[0-9A-Z]{26}$/) }));
export const sandboxTrackingParams = once(() => z.strictObject({ trackingNumber: matching(/^SBX[0-9A-F]{12}$/) }));
export const sandboxCreatePaymentBody = once(() => z.strictObject({ orderId: sandboxOrderRef(), amountMinor: SANDBOX_MINOR(), currency: CURRENCY(), method: z.optional(upTo(32)) }));
export const sandboxAttemptBody = once(() => z.optional(z.strictObject({ amountMinor: z.optional(SANDBOX_MINOR()), currency: z.optional(CURRENCY()), notify: z.optional(z.boolean()) })));
export const sandboxRefundBody = once(() => z.strictObject({ refundId: between(1, 64), amountMinor: SANDBOX_MINOR() }));
export const sandboxCreateShipmentBody = once(() => z.strictObject({ orderId: sandboxOrderRef(), packages: z.optional(z.array(z.strictObject({ weightGrams: int(1) })).check(z.maxLength(50))) }));
export const sandboxTrackingEventBody = once(() => z.strictObject({ status: z.enum(CARRIER_STATUSES), occurredAt: z.optional(z.iso.datetime()) }));

/** Operators' order search (API.md "Operations"): each filter optional; from/to ISO times on createdAt. */
const opsOrderFilters = once(() => ({
  status: z.optional(z.enum(ORDER_STATUSES)),
  customerId: z.optional(between(1, 128)),
  sku: z.optional(SKU()),
  from: z.optional(z.iso.datetime({ offset: true })),
  to: z.optional(z.iso.datetime({ offset: true })),
}));
export const opsOrdersQuery = once(() => z.strictObject({ ...opsOrderFilters(), limit: z._default(queryInt(1, 100), 50), cursor: z.optional(cursor()) }));
export const opsOrdersExportQuery = once(() => z.strictObject(opsOrderFilters()));
export const opsCancelBody = once(() => z.optional(z.strictObject({ note: z.optional(upTo(500)) })));
