/** Parses a verified webhook body against its schema; a body that verifies but does not parse is a 400. */
import * as z from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import { DomainError } from './errors.js';
import { issuesToErrors } from './schemas.js';

export function parseWebhookBody<T>(schema: $ZodType<T>, rawBody: string): T {
  let value: unknown;
  try {
    value = JSON.parse(rawBody);
  } catch {
    throw new DomainError('VALIDATION_ERROR', 'The body is not valid JSON', [{ path: 'body', message: 'malformed JSON' }]);
  }
  const result = z.safeParse(schema, value);
  if (!result.success) throw new DomainError('VALIDATION_ERROR', 'The event is invalid', issuesToErrors(result.error, 'body'));
  return result.data;
}
