/**
 * Each provider's credentials are one JSON secret (API.md): `<PROVIDER>_CREDENTIALS`
 * locally, `<PROVIDER>_CREDENTIALS_ARN` (Secrets Manager) on AWS, read only by the
 * functions that talk to providers. Parsed strictly, so a mistyped field fails the
 * first call with a message naming it rather than a signature that never verifies.
 */
import * as z from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import { secretValue } from '../secrets.js';
import { loadOnce } from '../../shared/once.js';

export function credentialsLoader<T>(provider: string, schema: $ZodType<T>): () => Promise<T> {
  const name = `${provider.toUpperCase()}_CREDENTIALS`;
  return loadOnce(() =>
    secretValue(name).then((text) => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new Error(`${name} is not JSON`);
      }
      const parsed = z.safeParse(schema, value);
      if (!parsed.success) throw new Error(`${name} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return parsed.data;
    }),
  );
}

/** PEM text as stored in JSON (newlines often escaped by consoles): normalised. */
export function pem(text: string): string {
  return text.replace(/\\n/g, '\n').trim();
}
