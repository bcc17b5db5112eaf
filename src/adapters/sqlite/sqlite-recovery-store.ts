import type { RecoveryJob } from '../../domain/recovery.js';
import type { RecoveryStore } from '../../ports/recovery-store.js';
import type { SqliteDatabase } from './sqlite-database.js';

const SQL = {
  insert: `INSERT INTO recoveries (id, version, state, started_at, record)
    VALUES (@id, @version, @state, @started_at, @record)`,
  get: 'SELECT record FROM recoveries WHERE id = ?',
  update: `UPDATE recoveries SET version = @version, state = @state, record = @record
    WHERE id = @id AND version = @expected`,
  running: "SELECT record FROM recoveries WHERE state = 'RUNNING' ORDER BY started_at, id LIMIT ?",
} as const;

/**
 * RecoveryStore on the `recoveries` table (sqlite-schema.ts): one row per job, its record as JSON.
 * Writes are on disk: a job's progress must survive a power failure, and there is one per step.
 */
export class SqliteRecoveryStore implements RecoveryStore {
  constructor(private readonly db: SqliteDatabase) {}

  async create(job: RecoveryJob): Promise<void> {
    await this.db.write(() => {
      this.db.statement(SQL.insert).run(params(job, 0));
    });
  }

  async get(id: string): Promise<RecoveryJob | undefined> {
    const row = this.db.read(() => this.db.statement(SQL.get).pluck().get(id) as string | undefined);
    return row === undefined ? undefined : (JSON.parse(row) as RecoveryJob);
  }

  async update(job: RecoveryJob, expectedVersion: number): Promise<RecoveryJob | undefined> {
    const stored: RecoveryJob = { ...job, version: expectedVersion + 1 };
    const written = await this.db.write(
      () => this.db.statement(SQL.update).run(params(stored, expectedVersion)).changes === 1,
    );
    return written ? stored : undefined;
  }

  async listRunning(limit: number): Promise<RecoveryJob[]> {
    const rows = this.db.read(() => this.db.statement(SQL.running).pluck().all(Math.max(0, limit)) as string[]);
    return rows.map((row) => JSON.parse(row) as RecoveryJob);
  }
}

function params(job: RecoveryJob, expected: number) {
  return {
    id: job.id,
    version: job.version,
    state: job.state,
    started_at: job.startedAt,
    record: JSON.stringify(job),
    expected,
  };
}
