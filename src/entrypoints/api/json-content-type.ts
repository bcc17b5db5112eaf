import type { MiddlewareHandler } from 'hono';
import { HeraldError } from '../../domain/errors.js';

const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json$/;
const UTF8_CHARSETS = new Set(['utf-8', 'utf8']);
/** The methods that change something: a browser may send them from any page, so they must prove JSON. */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A `Content-Type` of JSON (`application/json` or another `application/*+json` type, charset UTF-8
 * when one is named) on every request that changes something, with a body or without (pause, retry).
 * A web page can make a browser send a form or plain text to any address without asking, but JSON
 * only after a CORS preflight that Herald never answers: so no page can act through a browser on
 * the same machine (CSRF). Any other or no type is `415`, naming the header.
 */
export const requireJsonContentType: MiddlewareHandler = async (c, next) => {
  if (UNSAFE_METHODS.has(c.req.method)) checkJsonContentType(c.req.header('content-type'));
  await next();
};

/** Throws the `415` for a Content-Type that is not JSON in UTF-8, or none. */
export function checkJsonContentType(contentType: string | undefined): void {
  if (contentType === undefined) throw unsupportedMediaType('Content-Type', 'is required: send application/json');
  const [mediaType = '', ...parameters] = contentType.split(';');
  if (!JSON_MEDIA_TYPE.test(mediaType.trim().toLowerCase())) {
    throw unsupportedMediaType('Content-Type', 'must be application/json (or another application/*+json type)');
  }
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=', 2).map((part) => part.trim());
    const charset = value.replace(/^"(.*)"$/, '$1').toLowerCase();
    if (name.toLowerCase() === 'charset' && !UTF8_CHARSETS.has(charset)) {
      throw unsupportedMediaType('Content-Type', `charset must be utf-8, not ${JSON.stringify(charset)}`);
    }
  }
}

export function unsupportedMediaType(field: string, message: string): HeraldError {
  return new HeraldError('UNSUPPORTED_MEDIA_TYPE', `${field} ${message}`, { issues: [{ field, message }] });
}
