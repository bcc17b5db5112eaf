/**
 * Errors with a stable `code`. The HTTP layer maps codes to statuses in one place
 * (src/entrypoints/api/problem.ts); nothing else decides a status code.
 */
export type ErrorCode =
  | 'VALIDATION_ERROR'
  | 'MALFORMED_REQUEST'
  | 'REQUEST_TIMEOUT'
  | 'HEADERS_TOO_LARGE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'MISDIRECTED_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'IDEMPOTENCY_CONFLICT'
  | 'INVALID_STATE'
  | 'SYSTEM_ERROR';

export interface FieldIssue {
  field: string;
  message: string;
}

export class HeraldError extends Error {
  override readonly name: string = 'HeraldError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { issues?: FieldIssue[] } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class ValidationError extends HeraldError {
  override readonly name: string = 'ValidationError';
  constructor(readonly issues: FieldIssue[]) {
    super('VALIDATION_ERROR', `Invalid request: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, {
      issues,
    });
  }
}

/**
 * A store or queue could not do its job (unreachable, throttled, broken). Adapters translate their
 * backend's errors into this, so the use cases and the HTTP layer never see an SDK or SQLite error.
 */
export class BackendUnavailableError extends HeraldError {
  override readonly name = 'BackendUnavailableError';
  constructor(
    readonly backend: string,
    cause: unknown,
  ) {
    super('SYSTEM_ERROR', `${backend} is unavailable`, {}, { cause });
  }
}

export class InvalidCursorError extends ValidationError {
  constructor() {
    super([{ field: 'cursor', message: 'not a cursor this listing returned' }]);
  }
}
