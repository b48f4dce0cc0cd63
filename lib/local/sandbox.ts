/**
 * The outside world, played locally (API.md "Local sandboxes"): a payment provider
 * whose payments succeed or fail on request and refund at once, and a carrier that
 * books parcels and reports tracking events. Both call the API's webhooks with real
 * Standard Webhooks signatures, exactly as the real parties would. The rules are
 * functions/sandbox/model.ts, shared with the deployable sandbox; here the state is
 * in memory, so tests can look at what the provider holds and stage outages.
 */
import {
  acceptsAttempts,
  attempted,
  closed,
  deliver,
  newPayment,
  newShipment,
  paymentNotification,
  refunded,
  trackingNotification,
  type Outcome,
  type SandboxPayment,
  type SandboxShipment,
  type WebhookDelivery,
} from '../../functions/sandbox/model.js';

export { ProviderRefusal, type SandboxPayment, type SandboxShipment, type WebhookDelivery } from '../../functions/sandbox/model.js';

/** Sends a payment's notification in its provider's own format (a stand-in registers one per provider). */
export type Notifier = (payment: SandboxPayment, outcome: Outcome, webhookId?: string) => Promise<WebhookDelivery>;

/**
 * Also the ledger of every provider stand-in (lib/local/providers): they speak their
 * provider's protocol over the same payments, so the sandbox routes and the tests
 * drive and inspect every provider alike.
 */
export class Sandbox {
  readonly payments = new Map<string, SandboxPayment>();
  /**
   * Payments a merchant asked to close before any trade existed (an Alipay page-pay trade
   * exists once its page is opened, and the page still opens until it expires).
   */
  readonly closedBeforeOpened = new Set<string>();
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

  private readonly notifiers = new Map<string, Notifier>();

  registerNotifier(provider: string, notifier: Notifier): void {
    this.notifiers.set(provider, notifier);
  }

  /** A new payment at the sandbox, or at a stand-in (`as`: its provider, id and checkout URL). */
  createPayment(input: { orderId: string; amountMinor: number; currency: string }, as?: Pick<SandboxPayment, 'provider' | 'paymentId' | 'checkoutUrl'>): SandboxPayment {
    const existing = this.paymentOf(input.orderId);
    if (existing) return existing;
    const payment = { ...newPayment(input, this.baseUrl), ...as };
    this.payments.set(payment.paymentId, payment);
    this.paymentsByOrder.set(input.orderId, payment.paymentId);
    return payment;
  }

  /** Refunds part or all of a captured payment, idempotently per refund id (see the model). */
  refund(paymentId: string, refundId: string, amountMinor: number): SandboxPayment | undefined {
    const payment = this.payments.get(paymentId);
    if (!payment) return undefined;
    const after = refunded(payment, refundId, amountMinor);
    this.payments.set(paymentId, after);
    return after;
  }

  /**
   * The payment succeeds or fails at the provider, which then notifies (unless
   * `notify` is false: a lost notification). `override` lets a test make the
   * provider capture and report a wrong amount or currency.
   */
  async settlePayment(paymentId: string, outcome: Outcome, override: { amountMinor?: number; currency?: string } = {}, notify = true) {
    if (!this.capture(paymentId, outcome, override)) return undefined;
    return notify ? this.notifyPayment(paymentId, outcome) : { status: 0, body: null, webhookId: '' };
  }

  /** Whether the customer can still attempt to pay (a closed payment cannot be paid). */
  payable(paymentId: string): boolean {
    const payment = this.payments.get(paymentId);
    return !!payment && acceptsAttempts(payment);
  }

  /** Providers where the payer only approves and the merchant captures (PayPal). */
  private readonly merchantCaptures = new Set<string>();
  /** Approvals waiting for the merchant's capture, with what the payer approved. */
  readonly approvals = new Map<string, { amountMinor?: number; currency?: string }>();

  capturedByMerchant(provider: string): void {
    this.merchantCaptures.add(provider);
  }

  /**
   * The customer's attempt: moves the provider's own record of the payment (for a
   * provider where the merchant captures, a success is only an approval until then);
   * false when there is no such payment or it is closed (the attempt is refused).
   */
  capture(paymentId: string, outcome: Outcome, override: { amountMinor?: number; currency?: string } = {}): boolean {
    const payment = this.payments.get(paymentId);
    if (!payment || !acceptsAttempts(payment)) return false;
    if (outcome === 'succeed' && this.merchantCaptures.has(payment.provider) && (payment.status === 'PENDING' || payment.status === 'FAILED')) {
      this.approvals.set(paymentId, override);
      return true;
    }
    this.payments.set(paymentId, attempted(payment, outcome, override));
    return true;
  }

  /** The merchant captures an approved payment; false when nothing is approved. */
  merchantCapture(paymentId: string): boolean {
    const payment = this.payments.get(paymentId);
    const approval = this.approvals.get(paymentId);
    if (!payment || !approval) return false;
    this.approvals.delete(paymentId);
    this.payments.set(paymentId, attempted(payment, 'succeed', approval));
    return true;
  }

  /** The merchant closes an unpaid payment (see the model); throws AlreadyPaid for a paid one. */
  close(paymentId: string): SandboxPayment | undefined {
    const payment = this.payments.get(paymentId);
    if (!payment) return undefined;
    const after = closed(payment);
    this.payments.set(paymentId, after);
    return after;
  }

  /**
   * Sends the payment's notification as the provider would, with what it captured.
   * Passing the same `webhookId` again is a provider's retry of one event.
   */
  async notifyPayment(paymentId: string, outcome: Outcome, webhookId?: string): Promise<WebhookDelivery | undefined> {
    const payment = this.payments.get(paymentId);
    if (!payment) return undefined;
    const notifier = this.notifiers.get(payment.provider);
    if (notifier) return notifier(payment, outcome, webhookId);
    return deliver(`${this.baseUrl}/webhooks/payments/sandbox`, this.secrets.payment, paymentNotification(payment, outcome), webhookId);
  }

  /** While true, the carrier refuses bookings (an outage), to exercise the shipping deadline. */
  carrierDown = false;

  /** A parcel a carrier stand-in booked, and how it pushes tracking in its own format. */
  private readonly trackers = new Map<string, (shipment: SandboxShipment, status: string, occurredAt: string, webhookId?: string) => Promise<WebhookDelivery>>();

  registerTracker(carrier: string, tracker: (shipment: SandboxShipment, status: string, occurredAt: string, webhookId?: string) => Promise<WebhookDelivery>): void {
    this.trackers.set(carrier, tracker);
  }

  /** Records a parcel a carrier stand-in booked (the first booking of an order stays). */
  addShipment(shipment: SandboxShipment): SandboxShipment {
    const existing = this.shipmentOf(shipment.orderId);
    if (existing) return existing;
    this.shipments.set(shipment.trackingNumber, shipment);
    this.shipmentsByOrder.set(shipment.orderId, shipment.trackingNumber);
    return shipment;
  }

  book(orderId: string): SandboxShipment {
    const existing = this.shipmentOf(orderId);
    if (existing) return existing;
    const shipment = newShipment(orderId);
    this.shipments.set(shipment.trackingNumber, shipment);
    this.shipmentsByOrder.set(orderId, shipment.trackingNumber);
    return shipment;
  }

  /** The parcel's carrier reports an event, in its own format (the sandbox's Standard Webhooks, or a stand-in's). */
  async trackingEvent(trackingNumber: string, status: string, occurredAt = new Date().toISOString(), webhookId?: string): Promise<WebhookDelivery> {
    const shipment = this.shipments.get(trackingNumber);
    const tracker = shipment?.carrier ? this.trackers.get(shipment.carrier) : undefined;
    if (shipment && tracker) return tracker(shipment, status, occurredAt, webhookId);
    return deliver(`${this.baseUrl}/webhooks/carriers/sandbox`, this.secrets.carrier, trackingNotification(trackingNumber, status, occurredAt), webhookId);
  }
}
