/**
 * Payment providers behind one interface. The sandbox provider is the local stack's
 * stand-in for a real one (API.md "Local sandboxes"); the real adapters come next.
 */
export interface CreatedPayment {
  provider: string;
  paymentId: string;
  checkoutUrl: string | null;
}

export interface RefundRequest {
  paymentId: string;
  refundId: string;
  amountMinor: number;
  currency: string;
}

/** What the provider holds for a payment (its own record, asked when a notification may have been lost). */
export interface ProviderPayment {
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'PARTIALLY_REFUNDED' | 'REFUNDED' | 'CLOSED';
  amountMinor: number;
  currency: string;
}

export interface PaymentProvider {
  /** Idempotent per order: asking twice for the same order returns the same payment. */
  createPayment(input: { orderId: string; amountMinor: number; currency: string; method: string }): Promise<CreatedPayment>;
  /**
   * Refunds `amountMinor` of a captured payment. Idempotent per `refundId` (sent as
   * the provider's idempotency key): asking twice moves money once.
   */
  refund(input: RefundRequest): Promise<void>;
  /** The provider's record of the payment, or null when it has none. */
  query(paymentId: string): Promise<ProviderPayment | null>;
  /** Closes an unpaid payment so it can no longer be paid; 'already-paid' when it was paid first. Idempotent. */
  close(paymentId: string): Promise<'closed' | 'already-paid'>;
}

async function postJson(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}

export function sandboxPaymentProvider(baseUrl: string): PaymentProvider {
  return {
    async createPayment(input) {
      const out = (await postJson(`${baseUrl}/sandbox/payments`, input)) as { paymentId: string; checkoutUrl: string };
      return { provider: 'sandbox', paymentId: out.paymentId, checkoutUrl: out.checkoutUrl };
    },
    async refund({ paymentId, refundId, amountMinor }) {
      await postJson(`${baseUrl}/sandbox/payments/${encodeURIComponent(paymentId)}/refund`, { refundId, amountMinor });
    },
    async query(paymentId) {
      const response = await fetch(`${baseUrl}/sandbox/payments/${encodeURIComponent(paymentId)}`, { signal: AbortSignal.timeout(5000) });
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`sandbox provider answered ${response.status}`);
      const { status, amountMinor, currency } = (await response.json()) as ProviderPayment;
      return { status, amountMinor, currency };
    },
    async close(paymentId) {
      const response = await fetch(`${baseUrl}/sandbox/payments/${encodeURIComponent(paymentId)}/close`, { method: 'POST', signal: AbortSignal.timeout(5000) });
      if (response.status === 409) return 'already-paid';
      if (!response.ok) throw new Error(`sandbox provider answered ${response.status}`);
      return 'closed';
    },
  };
}

export function paymentProviderFromEnv(): PaymentProvider {
  const name = process.env.PAYMENT_PROVIDER ?? 'sandbox';
  if (name === 'sandbox') {
    const url = process.env.SANDBOX_URL;
    if (!url) throw new Error('PAYMENT_PROVIDER=sandbox needs SANDBOX_URL (the local stack sets it)');
    return sandboxPaymentProvider(url);
  }
  throw new Error(`Unknown PAYMENT_PROVIDER "${name}"`);
}
