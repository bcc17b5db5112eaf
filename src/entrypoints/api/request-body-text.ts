import { ValidationError } from '../../domain/errors.js';
import { unsupportedMediaType } from './json-content-type.js';

/** Strict: a byte sequence that is not UTF-8 throws instead of becoming U+FFFD in a stored notification. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of a JSON request body, whose Content-Type requireJsonContentType has checked: a
 * Content-Encoding (compression would make the 256 KiB limit a limit on the compressed size, and
 * inflating is work a caller could make us do for nothing) is 415, naming the header; bytes that
 * are not UTF-8 are 400. A leading byte-order mark is dropped, as Request.text() drops it.
 */
export function requestBodyText(bytes: Uint8Array, contentEncoding: string | undefined): string {
  if (contentEncoding !== undefined && !['', 'identity'].includes(contentEncoding.trim().toLowerCase())) {
    throw unsupportedMediaType('Content-Encoding', 'must be identity: send the request uncompressed');
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ValidationError([{ field: '(body)', message: 'is not valid UTF-8' }]);
  }
}
