/**
 * The sandbox provider (API.md "Local sandboxes"): the simplest adapter, for the
 * local stack's in-process sandbox or the deployable one (`-c sandbox=true`).
 * Notifications are Standard Webhooks signed with PAYMENT_WEBHOOK_SECRET.
 */
import { sandboxPaymentEvent } from '../../core/schemas.js';
import { parseWebhookBody } from '../../core/webhook-body.js';
import { webhookSecret } from '../secrets.js';
import { verifyStandardWebhook } from '../signatures.js';
import { ProviderError, providerFetch, type PaymentProvider, type ProviderPayment, PROVIDER_FACTS } from './provider.js';

async function postJson(url: string, body?: unknown): Promise<Response> {
  return providerFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
}

export function sandboxPaymentProvider(baseUrl: string): PaymentProvider {
  const paymentUrl = (paymentId: string) => `${baseUrl}/sandbox/payments/${encodeURIComponent(paymentId)}`;
  return {
    name: 'sandbox',
    notificationAnswer: PROVIDER_FACTS.sandbox.notificationAnswer,
    async createPayment({ orderId, amountMinor, currency, method }) {
      const response = await postJson(`${baseUrl}/sandbox/payments`, { orderId, amountMinor, currency, method });
      if (!response.ok) throw new ProviderError(`sandbox provider answered ${response.status}`);
      const out = (await response.json()) as { paymentId: string; checkoutUrl: string };
      return { provider: 'sandbox', paymentId: out.paymentId, checkoutUrl: out.checkoutUrl };
    },
    async verifyNotification(rawBody, headers) {
      const eventId = verifyStandardWebhook(await webhookSecret('PAYMENT_WEBHOOK_SECRET'), rawBody, headers);
      const { type, data } = parseWebhookBody(sandboxPaymentEvent(), rawBody);
      return { kind: 'payment', eventId, orderId: data.orderId, report: { type, provider: 'sandbox', paymentId: data.paymentId, amountMinor: data.amountMinor, currency: data.currency } };
    },
    async refund({ paymentId, refundId, amountMinor }) {
      const response = await postJson(`${paymentUrl(paymentId)}/refund`, { refundId, amountMinor });
      if (response.status === 409) return 'FAILED';
      if (!response.ok) throw new ProviderError(`sandbox provider answered ${response.status}`);
      return 'SUCCEEDED';
    },
    async query(paymentId) {
      const response = await providerFetch(paymentUrl(paymentId), {});
      if (response.status === 404) return null;
      if (!response.ok) throw new ProviderError(`sandbox provider answered ${response.status}`);
      const { status, amountMinor, currency } = (await response.json()) as ProviderPayment;
      return { status, amountMinor, currency };
    },
    async close(paymentId) {
      const response = await postJson(`${paymentUrl(paymentId)}/close`);
      if (response.status === 409) return 'already-paid';
      if (!response.ok) throw new ProviderError(`sandbox provider answered ${response.status}`);
      return 'closed';
    },
  };
}
