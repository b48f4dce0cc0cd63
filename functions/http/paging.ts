/**
 * Cursor paging for list routes: the cursor is the opaque form of DynamoDB's
 * LastEvaluatedKey. A cursor that is not ours, or not for this list (DynamoDB refuses
 * a start key outside the queried partition), is a 400, never a 5xx.
 */
import { DomainError } from '../core/errors.js';
import { decodeCursor, encodeCursor } from '../adapters/keys.js';

const invalidCursor = () => new DomainError('VALIDATION_ERROR', 'The cursor is invalid', [{ path: 'query.cursor', message: 'not a cursor from this API' }]);

export async function page<T>(
  cursor: string | undefined,
  query: (startKey: Record<string, unknown> | undefined) => Promise<{ items: T[]; lastKey?: Record<string, unknown> }>,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const startKey = decodeCursor(cursor);
  if (cursor && !startKey) throw invalidCursor();
  try {
    const { items, lastKey } = await query(startKey);
    return { items, nextCursor: encodeCursor(lastKey) };
  } catch (error) {
    throw (error as Error).name === 'ValidationException' ? invalidCursor() : error;
  }
}

/**
 * Paging over a sharded index merged in order: the cursor is where each shard's
 * reading stopped (sort keys). Anything else (not ours, another list's) is a 400.
 */
export async function mergedPage<T>(
  cursor: string | undefined,
  shards: number,
  query: (after: string[]) => Promise<{ items: T[]; after: string[] | null }>,
): Promise<{ items: T[]; nextCursor: string | null }> {
  let after: string[] = [];
  if (cursor) {
    try {
      const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      const positions = (value as { after?: unknown } | null)?.after;
      if (!Array.isArray(positions) || positions.length !== shards || !positions.every((p) => typeof p === 'string' && p.length <= 256 && /^[\x20-\x7E]*$/.test(p))) throw invalidCursor();
      after = positions as string[];
    } catch {
      throw invalidCursor();
    }
  }
  const { items, after: next } = await query(after);
  return { items, nextCursor: next ? Buffer.from(JSON.stringify({ after: next })).toString('base64url') : null };
}
