/**
 * The sandbox payment provider and carrier, as rules: what a payment or a parcel
 * becomes on each request, and the notifications they send. Pure, so that the
 * in-process sandbox of the local stack (lib/local/sandbox.ts) and the deployable
 * one (functions/sandbox/handler.ts, `-c sandbox=true`) behave alike.
 */
import { randomBytes } from 'node:crypto';
import { newUlid } from '../shared/ids.js';
import { signStandardWebhook, splitSecrets } from '../adapters/signatures.js';

export interface SandboxPayment {
  /** Whose protocol the payment was made in: the sandbox's own, or a real provider's local stand-in. */
  provider: string;
  paymentId: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'PARTIALLY_REFUNDED' | 'REFUNDED' | 'CLOSED';
  checkoutUrl: string;
  refundedMinor: number;
  /** Every refund the provider made, once per refund id (the idempotency key). */
  refunds: { refundId: string; amountMinor: number }[];
}

export interface SandboxShipment {
  trackingNumber: string;
  orderId: string;
  /** The company that carries it when a carrier stand-in booked it (`shunfeng`, ...); the sandbox's own otherwise. */
  carrier?: string;
}

/** A request the provider refuses, as a real one would: answered 409, nothing changes. */
export class ProviderRefusal extends Error {}

/** A refund the provider refuses (nothing captured, or more than is left). */
export class RefundRefused extends ProviderRefusal {}

/** Closing a payment that was already paid: the provider keeps the money (a real one answers "trade paid"). */
export class AlreadyPaid extends ProviderRefusal {}

export function newPayment(input: { orderId: string; amountMinor: number; currency: string }, baseUrl: string): SandboxPayment {
  const paymentId = `pay_${newUlid()}`;
  return {
    provider: 'sandbox',
    paymentId,
    orderId: input.orderId,
    amountMinor: input.amountMinor,
    currency: input.currency,
    status: 'PENDING',
    checkoutUrl: `${baseUrl}/sandbox/pay/${paymentId}`,
    refundedMinor: 0,
    refunds: [],
  };
}

export type Outcome = 'succeed' | 'fail';

/**
 * The payment after the customer's attempt. A failed attempt can be followed by a
 * successful one; nothing undoes a capture; a closed payment can no longer be paid.
 * What is captured is what is reported (`override` lets a test make the provider
 * capture a wrong amount or currency).
 */
export function attempted(payment: SandboxPayment, outcome: Outcome, override: { amountMinor?: number; currency?: string } = {}): SandboxPayment {
  if (outcome === 'succeed' && (payment.status === 'PENDING' || payment.status === 'FAILED')) {
    return { ...payment, status: 'SUCCEEDED', amountMinor: override.amountMinor ?? payment.amountMinor, currency: override.currency ?? payment.currency };
  }
  if (outcome === 'fail' && payment.status === 'PENDING') return { ...payment, status: 'FAILED' };
  return payment;
}

/** The payment after a refund request: idempotent per refund id, refused as a provider would. */
export function refunded(payment: SandboxPayment, refundId: string, amountMinor: number): SandboxPayment {
  if (payment.refunds.some((r) => r.refundId === refundId)) return payment;
  if (payment.status !== 'SUCCEEDED' && payment.status !== 'PARTIALLY_REFUNDED') throw new RefundRefused(`payment is ${payment.status}, nothing captured`);
  const left = payment.amountMinor - payment.refundedMinor;
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0 || amountMinor > left) throw new RefundRefused(`refund of ${amountMinor} exceeds what is left (${left})`);
  const refundedMinor = payment.refundedMinor + amountMinor;
  return {
    ...payment,
    refunds: [...payment.refunds, { refundId, amountMinor }],
    refundedMinor,
    status: refundedMinor === payment.amountMinor ? 'REFUNDED' : 'PARTIALLY_REFUNDED',
  };
}

/** Whether an attempt on the payment would be taken (a closed payment refuses every attempt). */
export function acceptsAttempts(payment: SandboxPayment): boolean {
  return payment.status !== 'CLOSED';
}

/** The payment after the merchant closes it: an unpaid payment can no longer be paid; a paid one stays paid. */
export function closed(payment: SandboxPayment): SandboxPayment {
  if (payment.status === 'PENDING' || payment.status === 'FAILED') return { ...payment, status: 'CLOSED' };
  if (payment.status === 'CLOSED') return payment;
  throw new AlreadyPaid(`payment is ${payment.status}`);
}

export function newShipment(orderId: string): SandboxShipment {
  return { trackingNumber: `SBX${randomBytes(6).toString('hex').toUpperCase()}`, orderId };
}

/** The provider's notification of an attempt, with what it captured. */
export function paymentNotification(payment: SandboxPayment, outcome: Outcome) {
  return {
    type: outcome === 'succeed' ? 'payment.succeeded' : 'payment.failed',
    data: {
      paymentId: payment.paymentId,
      orderId: payment.orderId,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      ...(outcome === 'fail' ? { reason: 'card_declined' } : {}),
    },
  };
}

export function trackingNotification(trackingNumber: string, status: string, occurredAt: string) {
  return { type: 'tracking.updated', data: { trackingNumber, status, occurredAt } };
}

export interface WebhookDelivery {
  status: number;
  body: unknown;
  webhookId: string;
}

/**
 * Signs and POSTs a notification as the provider or carrier would. During a rotation
 * several secrets are configured; the outside world signs with the newest (last).
 */
export async function deliver(url: string, secrets: string, event: unknown, webhookId = `msg_${newUlid()}`): Promise<WebhookDelivery> {
  const body = JSON.stringify(event);
  const timestamp = new Date();
  return postNotification(
    url,
    body,
    {
      'content-type': 'application/json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signStandardWebhook(splitSecrets(secrets).at(-1)!, webhookId, timestamp, body),
    },
    webhookId,
  );
}

/** POSTs a signed notification as its sender would; returns what the receiver answered (JSON, or its text). */
export async function postNotification(url: string, body: string, headers: Record<string, string>, webhookId: string): Promise<WebhookDelivery> {
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // a plain-text answer (Alipay's `success`)
  }
  return { status: response.status, body: parsed, webhookId };
}
