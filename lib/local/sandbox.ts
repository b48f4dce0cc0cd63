/**
 * The outside world, played locally (API.md "Local sandboxes"): a payment provider
 * whose payments succeed or fail on request and refund at once, and a carrier that
 * books parcels and reports tracking events. Both call the API's webhooks with real
 * Standard Webhooks signatures, exactly as the real parties would.
 */
import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { signStandardWebhook } from '../../functions/adapters/signatures.js';

export interface SandboxPayment {
  paymentId: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'PARTIALLY_REFUNDED' | 'REFUNDED';
  checkoutUrl: string;
  refundedMinor: number;
  /** Every refund the provider made, once per refund id (the idempotency key). */
  refunds: { refundId: string; amountMinor: number }[];
}

/** A refund the provider refuses, as a real one would (nothing captured, or more than is left). */
export class RefundRefused extends Error {}

export interface SandboxShipment {
  trackingNumber: string;
  orderId: string;
}

export interface WebhookDelivery {
  status: number;
  body: unknown;
  webhookId: string;
}

export class Sandbox {
  readonly payments = new Map<string, SandboxPayment>();
  readonly shipments = new Map<string, SandboxShipment>();
  private readonly paymentsByOrder = new Map<string, string>();
  private readonly shipmentsByOrder = new Map<string, string>();

  constructor(
    private readonly baseUrl: string,
    private readonly secrets: { payment: string; carrier: string },
  ) {}

  /** The provider's payment for an order, once the payment stage created it. */
  paymentOf(orderId: string): SandboxPayment | undefined {
    const id = this.paymentsByOrder.get(orderId);
    return id ? this.payments.get(id) : undefined;
  }

  /** The carrier's parcel for an order, once the shipping stage booked it. */
  shipmentOf(orderId: string): SandboxShipment | undefined {
    const id = this.shipmentsByOrder.get(orderId);
    return id ? this.shipments.get(id) : undefined;
  }

  /** While true, the provider refuses to create payments (an outage), to exercise retries and DLQs. */
  paymentsDown = false;

  createPayment(input: { orderId: string; amountMinor: number; currency: string }): SandboxPayment {
    const existing = this.paymentsByOrder.get(input.orderId);
    if (existing) return this.payments.get(existing)!;
    const paymentId = `pay_${ulid()}`;
    const payment: SandboxPayment = {
      paymentId,
      orderId: input.orderId,
      amountMinor: input.amountMinor,
      currency: input.currency,
      status: 'PENDING',
      checkoutUrl: `${this.baseUrl}/sandbox/pay/${paymentId}`,
      refundedMinor: 0,
      refunds: [],
    };
    this.payments.set(paymentId, payment);
    this.paymentsByOrder.set(input.orderId, paymentId);
    return payment;
  }

  /**
   * Refunds part or all of a captured payment, idempotently per refund id: the same
   * id again moves no money. Refuses what a real provider refuses.
   */
  refund(paymentId: string, refundId: string, amountMinor: number): SandboxPayment | undefined {
    const payment = this.payments.get(paymentId);
    if (!payment || payment.refunds.some((r) => r.refundId === refundId)) return payment;
    if (payment.status !== 'SUCCEEDED' && payment.status !== 'PARTIALLY_REFUNDED') throw new RefundRefused(`payment is ${payment.status}, nothing captured`);
    if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0 || amountMinor > payment.amountMinor - payment.refundedMinor) {
      throw new RefundRefused(`refund of ${amountMinor} exceeds what is left (${payment.amountMinor - payment.refundedMinor})`);
    }
    payment.refunds.push({ refundId, amountMinor });
    payment.refundedMinor += amountMinor;
    payment.status = payment.refundedMinor === payment.amountMinor ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
    return payment;
  }

  /**
   * The payment succeeds or fails at the provider, which then notifies (unless
   * `notify` is false: a lost notification). `override` lets a test make the
   * provider capture and report a wrong amount or currency.
   */
  async settlePayment(paymentId: string, outcome: 'succeed' | 'fail', override: { amountMinor?: number; currency?: string } = {}, notify = true) {
    if (!this.capture(paymentId, outcome, override)) return undefined;
    return notify ? this.notifyPayment(paymentId, outcome) : { status: 0, body: null, webhookId: '' };
  }

  /** Moves the provider's own record of the payment; false when there is no such payment. */
  capture(paymentId: string, outcome: 'succeed' | 'fail', override: { amountMinor?: number; currency?: string } = {}): boolean {
    const payment = this.payments.get(paymentId);
    if (!payment) return false;
    // A failed attempt can be followed by a successful one; nothing undoes a capture.
    if (outcome === 'succeed' && (payment.status === 'PENDING' || payment.status === 'FAILED')) {
      payment.status = 'SUCCEEDED';
      // What the provider captured is what it reports (a test may make it report a wrong amount).
      payment.amountMinor = override.amountMinor ?? payment.amountMinor;
      payment.currency = override.currency ?? payment.currency;
    }
    if (outcome === 'fail' && payment.status === 'PENDING') payment.status = 'FAILED';
    return true;
  }

  /**
   * Sends the payment's notification as the provider would, with what it captured.
   * Passing the same `webhookId` again is a provider's retry of one event.
   */
  async notifyPayment(paymentId: string, outcome: 'succeed' | 'fail', webhookId?: string) {
    const payment = this.payments.get(paymentId);
    if (!payment) return undefined;
    const event = {
      type: outcome === 'succeed' ? 'payment.succeeded' : 'payment.failed',
      data: {
        paymentId,
        orderId: payment.orderId,
        amountMinor: payment.amountMinor,
        currency: payment.currency,
        ...(outcome === 'fail' ? { reason: 'card_declined' } : {}),
      },
    };
    return this.deliver('/webhooks/payments/sandbox', this.secrets.payment, event, webhookId);
  }

  /** While true, the carrier refuses bookings (an outage), to exercise the shipping deadline. */
  carrierDown = false;

  book(orderId: string): SandboxShipment {
    const existing = this.shipmentsByOrder.get(orderId);
    if (existing) return this.shipments.get(existing)!;
    const trackingNumber = `SBX${randomBytes(6).toString('hex').toUpperCase()}`;
    const shipment = { trackingNumber, orderId };
    this.shipments.set(trackingNumber, shipment);
    this.shipmentsByOrder.set(orderId, trackingNumber);
    return shipment;
  }

  async trackingEvent(trackingNumber: string, status: string, occurredAt = new Date().toISOString(), webhookId?: string) {
    return this.deliver('/webhooks/carriers/sandbox', this.secrets.carrier, {
      type: 'tracking.updated',
      data: { trackingNumber, status, occurredAt },
    }, webhookId);
  }

  /** Signs and POSTs a webhook as the provider or carrier would. */
  async deliver(path: string, secret: string, event: unknown, webhookId = `msg_${ulid()}`): Promise<WebhookDelivery> {
    const body = JSON.stringify(event);
    const timestamp = new Date();
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': webhookId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signStandardWebhook(secret, webhookId, timestamp, body),
      },
      body,
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text
    }
    return { status: response.status, body: parsed, webhookId };
  }
}
