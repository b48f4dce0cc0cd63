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
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'REFUNDED';
  checkoutUrl: string;
  refunds: number;
}

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
      refunds: 0,
    };
    this.payments.set(paymentId, payment);
    this.paymentsByOrder.set(input.orderId, paymentId);
    return payment;
  }

  /** Refunds are idempotent: a second refund of the same payment moves no money. */
  refund(paymentId: string): SandboxPayment | undefined {
    const payment = this.payments.get(paymentId);
    if (payment && payment.status !== 'REFUNDED') {
      payment.status = 'REFUNDED';
      payment.refunds += 1;
    }
    return payment;
  }

  /** The provider reports a payment outcome; `override` lets a test send a wrong amount or currency. */
  async settlePayment(paymentId: string, outcome: 'succeed' | 'fail', override: { amountMinor?: number; currency?: string } = {}) {
    const payment = this.payments.get(paymentId);
    if (!payment) return undefined;
    if (outcome === 'succeed' && payment.status === 'PENDING') payment.status = 'SUCCEEDED';
    if (outcome === 'fail' && payment.status === 'PENDING') payment.status = 'FAILED';
    return this.deliver('/webhooks/payments/sandbox', this.secrets.payment, {
      type: outcome === 'succeed' ? 'payment.succeeded' : 'payment.failed',
      data: {
        paymentId,
        orderId: payment.orderId,
        amountMinor: override.amountMinor ?? payment.amountMinor,
        currency: override.currency ?? payment.currency,
        ...(outcome === 'fail' ? { reason: 'card_declined' } : {}),
      },
    });
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

  async trackingEvent(trackingNumber: string, status: string, occurredAt = new Date().toISOString()) {
    return this.deliver('/webhooks/carriers/sandbox', this.secrets.carrier, {
      type: 'tracking.updated',
      data: { trackingNumber, status, occurredAt },
    });
  }

  /** Signs and POSTs a webhook as the provider or carrier would. */
  async deliver(path: string, secret: string, event: unknown): Promise<WebhookDelivery> {
    const body = JSON.stringify(event);
    const webhookId = `msg_${ulid()}`;
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
