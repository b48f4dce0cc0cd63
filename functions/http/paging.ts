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
