import { InvalidCursorError } from '../../domain/errors.js';
import type { Status } from '../../domain/notification.js';

interface Cursor {
  v: 1;
  /** The status filter the cursor was issued for; `*` for none. */
  s: string;
  /** The sort key of the last entry of the previous page; the next page starts below it. */
  b: string;
}

export function encodeCursor(status: Status | undefined, boundary: string): string {
  const cursor: Cursor = { v: 1, s: status ?? '*', b: boundary };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** The boundary of a cursor issued for the same status filter; InvalidCursorError for anything else. */
export function decodeCursor(encoded: string, status: Status | undefined): string {
  let cursor: Partial<Cursor> | null;
  try {
    cursor = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Partial<Cursor> | null;
  } catch {
    throw new InvalidCursorError();
  }
  if (
    typeof cursor !== 'object' ||
    cursor === null ||
    cursor.v !== 1 ||
    cursor.s !== (status ?? '*') ||
    typeof cursor.b !== 'string' ||
    cursor.b.length === 0 ||
    cursor.b.length > 1024
  ) {
    throw new InvalidCursorError();
  }
  return cursor.b;
}
