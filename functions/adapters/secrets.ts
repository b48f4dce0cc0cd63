/**
 * Secrets (webhook signing secrets, payment providers' credentials): from Secrets
 * Manager on AWS (`<NAME>_ARN`), from the environment locally (`<NAME>`). Fetched
 * once per container.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { secrets } from './secrets-client.js';

const cache = new Map<string, Promise<string>>();

export function webhookSecret(name: 'PAYMENT_WEBHOOK_SECRET' | 'CARRIER_WEBHOOK_SECRET'): Promise<string> {
  return secretValue(name);
}

export function secretValue(name: string): Promise<string> {
  let value = cache.get(name);
  if (!value) {
    value = load(name);
    cache.set(name, value);
    value.catch(() => cache.delete(name));
  }
  return value;
}

async function load(name: string): Promise<string> {
  const direct = process.env[name];
  if (direct) return direct;
  const arn = process.env[`${name}_ARN`];
  if (!arn) throw new Error(`Neither ${name} nor ${name}_ARN is set`);
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  if (!out.SecretString) throw new Error(`Secret ${arn} has no string value`);
  return out.SecretString;
}
