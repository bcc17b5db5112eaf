import { HeraldError } from '../../domain/errors.js';
import { SECRET_PREFIX, signingSecretProblem, splitSecretList } from '../../domain/signature.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { SigningSecrets } from '../../ports/signing-secrets.js';
import type { AwsClientConfig } from '../aws-clients.js';
import { SecretsManagerReader } from './secrets-manager-reader.js';

export interface SecretsManagerSigningSecretsOptions {
  /** How to reach Secrets Manager; the client is created on the first read. */
  client: AwsClientConfig;
  /** The secret's ARN (or name). */
  secretId: string;
  /** How long a value read is used before it is read again: a rotation takes effect within this. */
  cacheMs: number;
  clock?: Clock;
}

/**
 * The signing secrets held in one Secrets Manager secret: a comma-separated list, newest first, as in
 * HERALD_SIGNING_SECRETS. An entry without the `whsec_` prefix is read as `whsec_<entry>`, so the value
 * the CDK stack generates (base64 characters only) serves as it is. Read on first use and again once
 * `cacheMs` has passed; concurrent callers share one read. A failed read is not cached: the next
 * delivery tries again, and no delivery is ever sent unsigned.
 */
export class SecretsManagerSigningSecrets implements SigningSecrets {
  readonly configured = true;
  private readonly clock: Clock;
  private readonly reader: SecretsManagerReader;
  private cached: { secrets: readonly string[]; readAt: number } | undefined;
  private reading: Promise<readonly string[]> | undefined;

  constructor(private readonly options: SecretsManagerSigningSecretsOptions) {
    this.clock = options.clock ?? systemClock;
    this.reader = new SecretsManagerReader(options.client);
  }

  current(): Promise<readonly string[]> {
    const now = this.clock.now().getTime();
    if (this.cached && now - this.cached.readAt < this.options.cacheMs) return Promise.resolve(this.cached.secrets);
    this.reading ??= this.read(now).finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  /** Releases the client's sockets; the instance is unusable after. */
  close(): void {
    this.reader.close();
  }

  private async read(now: number): Promise<readonly string[]> {
    const value = await this.reader.secretString(this.options.secretId);
    const secrets = parseSecretValue(value, this.options.secretId);
    this.cached = { secrets, readAt: now };
    return secrets;
  }
}

/** The secrets in a secret's value; the errors name the secret and the entry, never a value. */
function parseSecretValue(value: string | undefined, secretId: string): readonly string[] {
  const invalid = (why: string) =>
    new HeraldError('SYSTEM_ERROR', `The signing secret ${secretId} cannot be used: ${why}`);
  if (value === undefined) throw invalid('it holds no string value');
  const entries = splitSecretList(value).map((entry) =>
    entry.startsWith(SECRET_PREFIX) ? entry : SECRET_PREFIX + entry,
  );
  if (entries.length === 0) throw invalid('it is empty');
  entries.forEach((entry, index) => {
    const problem = signingSecretProblem(entry);
    if (problem) throw invalid(`entry ${index + 1} of ${entries.length} ${problem}`);
  });
  return Object.freeze(entries);
}
