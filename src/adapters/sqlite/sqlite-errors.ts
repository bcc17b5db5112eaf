import Database from 'better-sqlite3';
import { BackendUnavailableError, HeraldError } from '../../domain/errors.js';

/** Codes that say the database cannot do its job right now, as opposed to a faulty statement. */
const UNAVAILABLE_CODE =
  /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|CORRUPT|NOTADB|READONLY|PROTOCOL|NOMEM|PERM|NOLCK|INTERRUPT|AUTH)/;

/** Turns a SQLite error into one of ours, so no SQLite error type leaves the adapter. */
export function translateSqliteError(error: unknown): unknown {
  if (error instanceof HeraldError) return error;
  if (error instanceof Database.SqliteError) {
    if (UNAVAILABLE_CODE.test(error.code)) return new BackendUnavailableError('sqlite', error);
    return new HeraldError('SYSTEM_ERROR', `SQLite statement failed (${error.code})`, {}, { cause: error });
  }
  // better-sqlite3 throws a TypeError when the connection was closed under us.
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return new BackendUnavailableError('sqlite', error);
  }
  return error;
}
