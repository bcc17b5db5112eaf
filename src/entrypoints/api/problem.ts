import type { ErrorCode, FieldIssue } from '../../domain/errors.js';

/** The one place an error code becomes an HTTP status. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  VALIDATION_ERROR: 400,
  MALFORMED_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  IDEMPOTENCY_CONFLICT: 409,
  INVALID_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  MISDIRECTED_REQUEST: 421,
  HEADERS_TOO_LARGE: 431,
  SYSTEM_ERROR: 503,
};

const TITLE_BY_CODE: Record<ErrorCode, string> = {
  VALIDATION_ERROR: 'The request is invalid',
  MALFORMED_REQUEST: 'The request is not valid HTTP',
  REQUEST_TIMEOUT: 'The request took too long to arrive',
  HEADERS_TOO_LARGE: 'Request headers too large',
  UNAUTHORIZED: 'Missing or unknown API key',
  FORBIDDEN: "Not allowed to this API key's role",
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  IDEMPOTENCY_CONFLICT: 'Idempotency key reused with different content',
  INVALID_STATE: 'Not allowed in the current state',
  PAYLOAD_TOO_LARGE: 'Request too large',
  UNSUPPORTED_MEDIA_TYPE: 'Request body must be uncompressed JSON in UTF-8',
  MISDIRECTED_REQUEST: 'This server does not answer for that host name',
  SYSTEM_ERROR: 'Herald cannot store or queue right now; try again',
};

/** An RFC 9457 problem document with our stable `code` and, for validation, the bad fields. */
export interface Problem {
  type: 'about:blank';
  title: string;
  status: number;
  code: ErrorCode | 'INTERNAL_ERROR';
  detail: string;
  errors?: FieldIssue[];
}

export function problemFor(code: ErrorCode, detail: string, errors?: FieldIssue[]): Problem {
  return {
    type: 'about:blank',
    title: TITLE_BY_CODE[code],
    status: STATUS_BY_CODE[code],
    code,
    detail,
    ...(errors ? { errors } : {}),
  };
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
