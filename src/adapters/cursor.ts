import { InvalidCursorError } from '../domain/errors.js';

/**
 * The one cursor codec of every listing in every store: base64url JSON of a version, the listing's
 * scope (its name and filters, so a cursor is refused by any other listing) and the position after
 * which the next page starts (the last item's sort key, as strings).
 */
const VERSION = 2;
const MAX_CURSOR_LENGTH = 4096;

export function encodeCursor(scope: string, position: string[]): string {
  return Buffer.from(JSON.stringify([VERSION, scope, ...position])).toString('base64url');
}

/** The position of a cursor issued for `scope` with `arity` parts; InvalidCursorError for anything else. */
export function decodeCursor(encoded: string, scope: string, arity: number): string[] {
  if (encoded.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(encoded)) throw new InvalidCursorError();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(decoded) || decoded.length !== arity + 2 || decoded[0] !== VERSION || decoded[1] !== scope) {
    throw new InvalidCursorError();
  }
  const position = decoded.slice(2);
  if (!position.every((part): part is string => typeof part === 'string' && part.length > 0)) {
    throw new InvalidCursorError();
  }
  return position;
}
