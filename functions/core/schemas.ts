/**
 * Request schemas (zod). Every object is strict: an unknown field is a 400, so no
 * body can smuggle in a price, a status or a customer id.
 */
import { z } from 'zod';
import { CARRIER_STATUSES, ORDER_ID_PATTERN, ORDER_STATUSES, PAYMENT_METHODS } from './order.js';
import { RETURN_REASONS, RETURN_STATUSES } from './returns.js';
import { EVENT_TYPES } from './events.js';
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES, MAX_REPORTED_AMOUNT_MINOR, MAX_UNIT_PRICE_MINOR } from './money.js';
import { MAX_STOCK_SHARDS } from './stock-shards.js';

export const SKU = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1 to 64 characters of A-Z a-z 0-9 - _ .');
export const ORDER_ID = z.string().regex(ORDER_ID_PATTERN, 'must be an order id (ord_ and 26 ULID characters)');
export const CURRENCY = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code');
/** A catalog or line price (money.ts holds every bound). */
const PRICE_MINOR = z.int().min(0).max(MAX_UNIT_PRICE_MINOR);
/** An amount a provider reports: any exact integer, so that no real payment is refused unrecorded. */
const REPORTED_MINOR = z.int().min(0).max(MAX_REPORTED_AMOUNT_MINOR);
const text = (max: number) => z.string().trim().min(1).max(max);

export const idempotencyKey = z.string().regex(/^[\x21-\x7E]{1,255}$/, 'must be 1 to 255 visible ASCII characters');

export const productBody = z.strictObject({
  name: text(200),
  priceMinor: PRICE_MINOR,
  currency: CURRENCY,
  /** `stock.low` when `available` falls to or below it; 0 (the default) is off. */
  lowStockThreshold: z.int().min(0).max(1_000_000).optional(),
  /** How many items the SKU's stock is split across (a flash sale's write rate); kept when not given. */
  stockShards: z.int().min(1).max(MAX_STOCK_SHARDS).optional(),
});

export const restockBody = z.strictObject({
  quantity: z.int().min(1).max(1_000_000),
});

export const shippingAddress = z.strictObject({
  name: text(200),
  phone: text(40),
  line1: text(200),
  line2: text(200).optional(),
  city: text(100),
  region: text(100).optional(),
  postalCode: text(20),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'),
});

export const createOrderBody = z.strictObject({
  items: z
    .array(
      z.strictObject({
        sku: SKU,
        quantity: z.int().min(1).max(MAX_LINE_QUANTITY),
        unitPriceMinor: PRICE_MINOR,
      }),
    )
    .min(1)
    .max(MAX_ORDER_LINES)
    .refine((items) => new Set(items.map((i) => i.sku)).size === items.length, 'each SKU may appear at most once'),
  currency: CURRENCY,
  shippingAddress,
  paymentMethod: z.enum(PAYMENT_METHODS),
});
export type CreateOrderBody = z.infer<typeof createOrderBody>;

const cursor = z.string().min(1).max(1024);
export const pageQuery = (defaultLimit: number) =>
  z.strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(defaultLimit),
    cursor: cursor.optional(),
  });

export const skuParams = z.strictObject({ sku: SKU });
export const orderParams = z.strictObject({ orderId: ORDER_ID });
export const providerParams = z.strictObject({ provider: z.enum(['sandbox', 'alipay', 'wechatpay', 'paypal', 'stripe']) });
export const carrierParams = z.strictObject({ carrier: z.enum(['sandbox', 'kuaidi100']) });

export const completePickBody = z
  .strictObject({
    packages: z.array(z.strictObject({ weightGrams: z.int().min(1).max(1_000_000) })).min(1).max(50).optional(),
  })
  .optional();

export const shortageBody = z.strictObject({
  items: z
    .array(z.strictObject({ sku: SKU, missing: z.int().min(1).max(999) }))
    .min(1)
    .max(50),
  resolution: z.enum(['CANCEL_ORDER', 'SHIP_AVAILABLE', 'WAIT_FOR_RESTOCK']).optional(),
});

/** Payment provider events, after their signature verified. */
export const sandboxPaymentEvent = z.strictObject({
  type: z.enum(['payment.succeeded', 'payment.failed']),
  data: z.strictObject({
    paymentId: z.string().min(1).max(128),
    orderId: ORDER_ID,
    amountMinor: REPORTED_MINOR,
    currency: CURRENCY,
    reason: z.string().max(500).optional(),
  }),
});
export type SandboxPaymentEvent = z.infer<typeof sandboxPaymentEvent>;

export const carrierEvent = z.strictObject({
  type: z.literal('tracking.updated'),
  data: z.strictObject({
    trackingNumber: z.string().min(1).max(64),
    status: z.enum(CARRIER_STATUSES),
    occurredAt: z.iso.datetime(),
  }),
});
export type CarrierEvent = z.infer<typeof carrierEvent>;

/** Turns zod issues into API.md's `errors: [{ path, message }]`. */
export function issuesToErrors(error: z.ZodError, prefix: string): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

/** An operator's partial refund (API.md "Returns and refunds"). */
export const partialRefundBody = z.strictObject({
  amountMinor: z.int().min(1).max(MAX_REPORTED_AMOUNT_MINOR),
  reason: z.literal('GOODWILL'),
  note: z.string().max(500).optional(),
});

/** Returns (API.md "Returns and refunds (after-sales)"). */
export const returnRequestBody = z.strictObject({
  items: z
    .array(z.strictObject({ sku: SKU, quantity: z.int().min(1).max(MAX_LINE_QUANTITY), reason: z.enum(RETURN_REASONS) }))
    .min(1)
    .max(MAX_ORDER_LINES)
    .refine((items) => new Set(items.map((i) => i.sku)).size === items.length, 'each SKU at most once'),
  note: z.string().max(500).optional(),
});
export const returnParams = z.strictObject({ returnId: z.string().regex(/^ret_[0-9A-F]{26}$/, 'must be a return id') });
export const returnVerdictBody = z.strictObject({ note: z.string().max(500).optional() }).optional();
export const returnsQuery = z.strictObject({
  status: z.enum(RETURN_STATUSES).default('REQUESTED'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: cursor.optional(),
});
export const receiveReturnBody = z.strictObject({
  items: z
    .array(z.strictObject({ sku: SKU, quantity: z.int().min(0).max(MAX_LINE_QUANTITY), condition: z.enum(['RESELLABLE', 'DAMAGED']) }))
    .min(1)
    .max(2 * MAX_ORDER_LINES),
});

/** Outbound webhook endpoints (API.md "Events to other systems"). */
export const webhookEndpointBody = z.strictObject({
  url: z.string().min(1).max(2048),
  events: z.array(z.enum(['*', ...EVENT_TYPES])).min(1).max(EVENT_TYPES.length + 1),
  description: z.string().max(500).optional(),
});
const ENDPOINT_ID = z.string().regex(/^we_[0-9A-HJKMNP-TV-Z]{26}$/, 'must be an endpoint id');
export const endpointParams = z.strictObject({ endpointId: ENDPOINT_ID });
export const deliveryParams = z.strictObject({ endpointId: ENDPOINT_ID, eventId: z.string().regex(/^evt_[0-9a-f]{32}$/, 'must be an event id') });
export const deliveriesQuery = z.strictObject({
  status: z.enum(['PENDING', 'DELIVERED', 'FAILED']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: cursor.optional(),
});

/** Daily reports: calendar dates, both ends included. */
const DATE = z.iso.date();
export const reportQuery = z.strictObject({ from: DATE, to: DATE });

/** The sandbox provider and carrier (API.md "Local sandboxes"; deployed only for staging). */
const SANDBOX_MINOR = z.int().min(0);
const sandboxOrderRef = z.string().min(1).max(64);
export const sandboxPaymentParams = z.strictObject({ paymentId: z.string().regex(/^pay_[0-9A-Z]{26}$/) });
export const sandboxTrackingParams = z.strictObject({ trackingNumber: z.string().regex(/^SBX[0-9A-F]{12}$/) });
export const sandboxCreatePaymentBody = z.strictObject({ orderId: sandboxOrderRef, amountMinor: SANDBOX_MINOR, currency: CURRENCY, method: z.string().max(32).optional() });
export const sandboxAttemptBody = z.strictObject({ amountMinor: SANDBOX_MINOR.optional(), currency: CURRENCY.optional(), notify: z.boolean().optional() }).optional();
export const sandboxRefundBody = z.strictObject({ refundId: z.string().min(1).max(64), amountMinor: SANDBOX_MINOR });
export const sandboxCreateShipmentBody = z.strictObject({ orderId: sandboxOrderRef, packages: z.array(z.strictObject({ weightGrams: z.int().min(1) })).max(50).optional() });
export const sandboxTrackingEventBody = z.strictObject({ status: z.enum(CARRIER_STATUSES), occurredAt: z.iso.datetime().optional() });

/** Operators' order search (API.md "Operations"): each filter optional; from/to ISO times on createdAt. */
const opsOrderFilters = {
  status: z.enum(ORDER_STATUSES).optional(),
  customerId: z.string().min(1).max(128).optional(),
  sku: SKU.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};
export const opsOrdersQuery = z.strictObject({ ...opsOrderFilters, limit: z.coerce.number().int().min(1).max(100).default(50), cursor: cursor.optional() });
export const opsOrdersExportQuery = z.strictObject(opsOrderFilters);
export const opsCancelBody = z.strictObject({ note: z.string().max(500).optional() }).optional();
