/**
 * Payment providers behind one interface (API.md "Payment providers and their
 * webhooks"). One implementation per outside system, each in this folder; the
 * services decide, these only speak the provider's protocol. Every money-moving call
 * carries an idempotency key derived from the order or the refund.
 */
import type { PaymentReport } from '../../core/decisions.js';

export const PROVIDER_NAMES = ['sandbox', 'alipay', 'wechatpay', 'paypal', 'stripe'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export const PAYMENT_METHODS = ['card', 'alipay', 'wechat_pay', 'paypal'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** API.md's routing of payment methods to providers, unless a deployment says otherwise. */
export const DEFAULT_METHOD_PROVIDERS: Record<PaymentMethod, ProviderName> = {
  card: 'stripe',
  alipay: 'alipay',
  wechat_pay: 'wechatpay',
  paypal: 'paypal',
};

export interface CreatedPayment {
  provider: ProviderName;
  paymentId: string;
  /** Where the customer pays: always an absolute URL (API.md). */
  checkoutUrl: string;
}

export interface RefundRequest {
  orderId: string;
  paymentId: string;
  refundId: string;
  amountMinor: number;
  /** The payment's whole captured amount (WeChat Pay asks for it with every refund). */
  paymentAmountMinor: number;
  currency: string;
}

/** What the provider says of a refund it was asked for. */
export type RefundState = 'SUCCEEDED' | 'PENDING' | 'FAILED';

/** What the provider holds for a payment (its own record, asked when a notification may have been lost). */
export interface ProviderPayment {
  /** AUTHORIZED: the payer approved and the merchant still has to capture (PayPal). */
  status: 'PENDING' | 'AUTHORIZED' | 'SUCCEEDED' | 'FAILED' | 'PARTIALLY_REFUNDED' | 'REFUNDED' | 'CLOSED';
  amountMinor: number;
  currency: string;
}

/** A notification, verified and parsed. `eventId` is the provider's own id for it (the inbox key). */
export type ProviderNotification =
  | { kind: 'payment'; eventId: string; orderId: string; report: PaymentReport }
  /** The payer approved; the merchant captures (PayPal's CHECKOUT.ORDER.APPROVED). */
  | { kind: 'approved'; eventId: string; orderId: string; paymentId: string; provider: ProviderName }
  /** `paymentId` null when the provider names only the refund (PayPal): refund ids are unique within an order. */
  | { kind: 'refund'; eventId: string; orderId: string; paymentId: string | null; refundId: string; state: Exclude<RefundState, 'PENDING'> }
  /** A verified event this system has no use for (answered with success so the provider stops resending). */
  | { kind: 'ignored'; eventId: string; eventType: string };

/** The answer a provider expects once a notification is recorded. */
export interface NotificationAnswer {
  statusCode: number;
  contentType?: string;
  body?: string;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  /**
   * Idempotent per order: asking twice for the same order returns the same payment.
   * `expiresAt` (the payment deadline) is passed on where the provider can expire the
   * checkout itself, so a page left open cannot take money after the deadline.
   */
  createPayment(input: { orderId: string; amountMinor: number; currency: string; method: string; expiresAt: string }): Promise<CreatedPayment>;
  /**
   * Verifies a notification over its raw body and headers with the provider's own
   * scheme, then parses it. Throws DomainError INVALID_SIGNATURE (forged, stale) or
   * VALIDATION_ERROR (verified but unreadable); never returns an unverified event.
   */
  verifyNotification(rawBody: string, headers: Record<string, string | undefined>): Promise<ProviderNotification>;
  readonly notificationAnswer: NotificationAnswer;
  /** The provider's record of the payment, or null when it has none. */
  query(paymentId: string): Promise<ProviderPayment | null>;
  /** Captures an approved payment (PayPal); idempotent per payment. Others capture by themselves. */
  capture?(paymentId: string): Promise<ProviderPayment>;
  /** Closes an unpaid payment so it can no longer be paid; 'already-paid' when it was paid first. Idempotent. */
  close(paymentId: string): Promise<'closed' | 'already-paid'>;
  /**
   * Refunds `amountMinor` of a captured payment. Idempotent per `refundId` (sent as
   * the provider's idempotency key): asking twice moves money once.
   */
  refund(input: RefundRequest): Promise<RefundState>;
}

/** The payment id this system gives an order's payment where the provider lets the merchant choose (Alipay, WeChat Pay). */
export function merchantPaymentId(orderId: string): string {
  return orderId.replace(/^ord_/, 'pay_');
}

export function orderIdOfMerchantPaymentId(paymentId: string): string | null {
  return /^pay_[0-9A-HJKMNP-TV-Z]{26}$/.test(paymentId) ? paymentId.replace(/^pay_/, 'ord_') : null;
}

export { ProviderError, providerFetch } from '../outbound.js';

/**
 * What is known of each provider without loading its adapter (and its SDK): how it
 * wants a notification answered, and whether we capture its payments ourselves.
 */
export const PROVIDER_FACTS: Record<ProviderName, { notificationAnswer: NotificationAnswer; captures: boolean }> = {
  sandbox: { notificationAnswer: { statusCode: 200, contentType: 'application/json', body: JSON.stringify({ received: true }) }, captures: false },
  stripe: { notificationAnswer: { statusCode: 200, contentType: 'application/json', body: JSON.stringify({ received: true }) }, captures: false },
  alipay: { notificationAnswer: { statusCode: 200, contentType: 'text/plain', body: 'success' }, captures: false },
  wechatpay: { notificationAnswer: { statusCode: 204 }, captures: false },
  paypal: { notificationAnswer: { statusCode: 200, contentType: 'application/json', body: JSON.stringify({ received: true }) }, captures: true },
};
