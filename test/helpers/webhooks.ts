/** Standard Webhooks headers for a body, as a provider or carrier would send them. */
import { signStandardWebhook } from '../../functions/adapters/signatures.js';

export type SignedHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

export function signedHeaders(secret: string, body: string, options: { id?: string; at?: Date } = {}): SignedHeaders {
  const id = options.id ?? `msg_${Math.random().toString(36).slice(2)}`;
  const at = options.at ?? new Date();
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signStandardWebhook(secret, id, at, body),
  };
}
