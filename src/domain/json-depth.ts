import type { FieldIssue } from './errors.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Refuses JSON text whose values nest more than `maxDepth` arrays or objects inside the document's
 * top-level object (`{"body": [[1]]}`: `body` nests 2), before anything parses it. A deep document
 * is cheap to send and expensive downstream: recursive code (validation, fingerprinting, another
 * service's JSON parser reading our listings) overflows its stack on it. So this is one loop over
 * the raw text, counting brackets outside strings, and never recursion.
 *
 * Returns the issue naming the top-level field the excess is in (`(root)` when the document is not
 * an object), or null. Text that is not JSON is not judged here: the parser refuses it next.
 */
export function jsonDepthIssue(text: string, maxDepth: number): FieldIssue | null {
  // The document's own object is level 1, so its values may reach maxDepth + 1.
  const limit = maxDepth + 1;
  let depth = 0;
  let rootIsObject = false;
  let inString = false;
  // The last string token seen at level 1, and the one a colon made the current key.
  let stringStart = -1;
  let stringEnd = -1;
  let keyStart = -1;
  let keyEnd = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) {
        inString = false;
        if (depth === 1) stringEnd = i;
      }
      continue;
    }
    if (c === QUOTE) {
      inString = true;
      if (depth === 1) stringStart = i;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth === 1) rootIsObject = c === OPEN_BRACE;
      if (depth > limit) return { field: fieldName(text, rootIsObject, keyStart, keyEnd), message: tooDeep(maxDepth) };
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    } else if (c === COLON && depth === 1) {
      keyStart = stringStart;
      keyEnd = stringEnd;
    }
  }
  return null;
}

function tooDeep(maxDepth: number): string {
  return `nests arrays and objects more than ${maxDepth} levels deep`;
}

function fieldName(text: string, rootIsObject: boolean, keyStart: number, keyEnd: number): string {
  if (!rootIsObject || keyStart < 0 || keyEnd < keyStart) return '(root)';
  try {
    return JSON.parse(text.slice(keyStart, keyEnd + 1)) as string;
  } catch {
    return '(root)'; // a key with a broken escape: the parser will refuse the document anyway
  }
}
