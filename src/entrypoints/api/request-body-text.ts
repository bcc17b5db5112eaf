import { HeraldError, ValidationError } from '../../domain/errors.js';

/** Strict: a byte sequence that is not UTF-8 throws instead of becoming U+FFFD in a stored notification. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json$/;
const UTF8_CHARSETS = new Set(['utf-8', 'utf8']);

/**
 * The text of a JSON request body, as the caller's headers describe it: a missing Content-Type is
 * read as JSON (a bare client); any other type than JSON, a charset other than UTF-8, or a
 * Content-Encoding (compression would make the 256 KiB limit a limit on the compressed size, and
 * inflating is work a caller could make us do for nothing) is 415, naming the header; bytes that
 * are not UTF-8 are 400. A leading byte-order mark is dropped, as Request.text() drops it.
 */
export function requestBodyText(
  bytes: Uint8Array,
  contentType: string | undefined,
  contentEncoding: string | undefined,
): string {
  if (contentType !== undefined) {
    const [mediaType = '', ...parameters] = contentType.split(';');
    if (!JSON_MEDIA_TYPE.test(mediaType.trim().toLowerCase())) {
      throw unsupported('Content-Type', 'must be application/json (or another application/*+json type)');
    }
    for (const parameter of parameters) {
      const [name = '', value = ''] = parameter.split('=', 2).map((part) => part.trim());
      const charset = value.replace(/^"(.*)"$/, '$1').toLowerCase();
      if (name.toLowerCase() === 'charset' && !UTF8_CHARSETS.has(charset)) {
        throw unsupported('Content-Type', `charset must be utf-8, not ${JSON.stringify(charset)}`);
      }
    }
  }
  if (contentEncoding !== undefined && !['', 'identity'].includes(contentEncoding.trim().toLowerCase())) {
    throw unsupported('Content-Encoding', 'must be identity: send the request uncompressed');
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ValidationError([{ field: '(body)', message: 'is not valid UTF-8' }]);
  }
}

function unsupported(field: string, message: string): HeraldError {
  return new HeraldError('UNSUPPORTED_MEDIA_TYPE', `${field} ${message}`, { issues: [{ field, message }] });
}
