/**
 * Domain errors. Each carries the API.md error code and HTTP status, so the HTTP
 * edge can turn any of them into problem+json without knowing where it came from.
 */
export type ErrorCode =
  | 'VALIDATION_ERROR'
  | 'UNAUTHENTICATED'
  | 'INVALID_SIGNATURE'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'OUT_OF_STOCK'
  | 'PRICE_CHANGED'
  | 'INVALID_STATE'
  | 'IDEMPOTENCY_IN_PROGRESS'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNKNOWN_SKU'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'CURRENCY_MISMATCH'
  | 'RETURN_WINDOW_CLOSED'
  | 'RETURN_QUANTITY_EXCEEDED'
  | 'REFUND_EXCEEDS_BALANCE'
  | 'UNSAFE_URL';

/** Each code's HTTP status (API.md "Errors"). */
export const STATUS_OF: Record<ErrorCode, number> = {
  VALIDATION_ERROR: 400,
  UNAUTHENTICATED: 401,
  INVALID_SIGNATURE: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  OUT_OF_STOCK: 409,
  PRICE_CHANGED: 409,
  INVALID_STATE: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNKNOWN_SKU: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  CURRENCY_MISMATCH: 422,
  RETURN_WINDOW_CLOSED: 409,
  RETURN_QUANTITY_EXCEEDED: 422,
  REFUND_EXCEEDS_BALANCE: 409,
  UNSAFE_URL: 422,
};

const TITLE: Record<ErrorCode, string> = {
  VALIDATION_ERROR: 'Validation failed',
  UNAUTHENTICATED: 'Unauthenticated',
  INVALID_SIGNATURE: 'Invalid signature',
  FORBIDDEN: 'Forbidden',
  NOT_FOUND: 'Not found',
  OUT_OF_STOCK: 'Out of stock',
  PRICE_CHANGED: 'Price changed',
  INVALID_STATE: 'Invalid state',
  IDEMPOTENCY_IN_PROGRESS: 'Request in progress',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  UNKNOWN_SKU: 'Unknown SKU',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency key reused',
  CURRENCY_MISMATCH: 'Currency mismatch',
  RETURN_WINDOW_CLOSED: 'Return window closed',
  RETURN_QUANTITY_EXCEEDED: 'Return quantity exceeded',
  REFUND_EXCEEDS_BALANCE: 'Refund exceeds balance',
  UNSAFE_URL: 'Unsafe URL',
};

export class DomainError extends Error {
  readonly status: number;
  readonly title: string;
  constructor(
    readonly code: ErrorCode,
    detail: string,
    readonly errors?: readonly unknown[],
  ) {
    super(detail);
    this.name = 'DomainError';
    this.status = STATUS_OF[code];
    this.title = TITLE[code];
  }
}

export interface ProblemDetails {
  type: 'about:blank';
  title: string;
  status: number;
  code: ErrorCode | 'INTERNAL_ERROR';
  detail: string;
  errors?: readonly unknown[];
}

export function toProblem(error: DomainError): ProblemDetails {
  return {
    type: 'about:blank',
    title: error.title,
    status: error.status,
    code: error.code,
    detail: error.message,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

/** A 5xx never carries internal details (API.md). */
export const INTERNAL_PROBLEM: ProblemDetails = {
  type: 'about:blank',
  title: 'Internal server error',
  status: 500,
  code: 'INTERNAL_ERROR',
  detail: 'The request could not be completed. It is safe to retry.',
};
