/**
 * The sandbox carrier (API.md "Local sandboxes"): books through the sandbox's
 * `/sandbox/shipments`, needs no subscription (it reports every parcel it booked), and
 * signs its pushes with Standard Webhooks (CARRIER_WEBHOOK_SECRET).
 */
import { carrierEvent } from '../../core/schemas.js';
import { parseWebhookBody } from '../../core/webhook-body.js';
import { ProviderError, providerFetch } from '../outbound.js';
import { webhookSecret } from '../secrets.js';
import { verifyStandardWebhook } from '../signatures.js';
import { PUSH_ANSWERS, type Carrier } from './carrier.js';

export function sandboxCarrier(baseUrl: string): Carrier {
  return {
    webhook: 'sandbox',
    pushAnswer: PUSH_ANSWERS.sandbox,
    async book({ orderId, packages }) {
      // The sandbox needs no address: nothing personal leaves for it.
      const response = await providerFetch(`${baseUrl}/sandbox/shipments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ orderId, packages }) });
      if (!response.ok) throw new ProviderError(`sandbox carrier answered ${response.status}`);
      const { trackingNumber } = (await response.json()) as { trackingNumber: string };
      return { carrier: 'sandbox', trackingNumber };
    },
    async subscribe() {
      // The sandbox reports every parcel it booked.
    },
    async verifyPush(rawBody, headers) {
      const eventId = verifyStandardWebhook(await webhookSecret('CARRIER_WEBHOOK_SECRET'), rawBody, headers);
      const { data } = parseWebhookBody(carrierEvent(), rawBody);
      return { eventId, trackingNumber: data.trackingNumber, events: [{ status: data.status, occurredAt: new Date(data.occurredAt).toISOString() }] };
    },
  };
}
