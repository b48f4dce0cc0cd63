/**
 * Standard Webhooks verification, over the raw body, before anything else is read.
 * The library checks the `v1,` HMAC-SHA256 signatures (any of several passes, which
 * allows secret rotation) and the ±300 s timestamp tolerance.
 */
import { Webhook } from 'standardwebhooks';
import { DomainError } from '../core/errors.js';

/** A configured secret value may list several secrets, separated by spaces or commas. */
export function splitSecrets(secrets: string): string[] {
  return secrets.split(/[\s,]+/).filter(Boolean);
}

/**
 * `secrets` may hold several secrets separated by spaces or commas: during a rotation
 * both the old and the new one verify, so nothing is dropped while providers switch.
 */
export function verifyStandardWebhook(secrets: string, rawBody: string, headers: Record<string, string | undefined>): string {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  if (!id || !timestamp || !signature || id.length > 256) {
    throw new DomainError('INVALID_SIGNATURE', 'The webhook-id, webhook-timestamp and webhook-signature headers are required');
  }
  const signed = { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
  for (const secret of splitSecrets(secrets)) {
    try {
      new Webhook(secret).verify(rawBody, signed, { jsonParse: false });
      return id;
    } catch {
      // try the next secret
    }
  }
  throw new DomainError('INVALID_SIGNATURE', 'The webhook signature or timestamp does not verify');
}

export function signStandardWebhook(secret: string, id: string, timestamp: Date, rawBody: string): string {
  return new Webhook(secret).sign(id, timestamp, rawBody);
}
