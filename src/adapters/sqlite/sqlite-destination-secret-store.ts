import type { DestinationSecretStore, DestinationSecrets } from '../../ports/destination-secret-store.js';
import type { SqliteDatabase } from './sqlite-database.js';

const SQL = {
  get: 'SELECT record FROM destination_secrets WHERE destination = ?',
  insert: `INSERT INTO destination_secrets (destination, version, record) VALUES (@destination, @version, @record)
    ON CONFLICT (destination) DO NOTHING`,
  update: `UPDATE destination_secrets SET version = @version, record = @record
    WHERE destination = @destination AND version = @expected`,
} as const;

/**
 * DestinationSecretStore on the `destination_secrets` table (sqlite-schema.ts): one row per
 * destination, its sealed secrets as JSON. A read is one primary-key lookup, cheap enough to make per
 * signed delivery, so a rotation is seen by the next delivery of either thread.
 */
export class SqliteDestinationSecretStore implements DestinationSecretStore {
  constructor(private readonly db: SqliteDatabase) {}

  async get(destination: string): Promise<DestinationSecrets | undefined> {
    const row = this.db.read(() => this.db.statement(SQL.get).pluck().get(destination) as string | undefined);
    return row === undefined ? undefined : (JSON.parse(row) as DestinationSecrets);
  }

  async put(secrets: DestinationSecrets, expectedVersion: number): Promise<DestinationSecrets | undefined> {
    const stored: DestinationSecrets = { ...secrets, version: expectedVersion + 1 };
    const params = {
      destination: stored.destination,
      version: stored.version,
      record: JSON.stringify(stored),
      expected: expectedVersion,
    };
    const written = await this.db.write(
      () => this.db.statement(expectedVersion === 0 ? SQL.insert : SQL.update).run(params).changes === 1,
    );
    return written ? stored : undefined;
  }
}
