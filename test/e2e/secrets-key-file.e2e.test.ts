import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type RunningHerald, startHerald } from '../../src/entrypoints/node/herald-server.js';
import { RecordingLogger } from '../helpers/fakes.js';
import { HeraldClient } from '../helpers/herald-client.js';
import { TEST_ENV } from '../helpers/services.js';
import { startVendor, type Vendor, type VendorRequest } from '../helpers/vendor-server.js';

/**
 * The single process without HERALD_SECRETS_KEY: the key file beside the database, made once,
 * owner-only, and what keeps a destination's own signing key usable across a restart.
 */

let dir: string;
let vendor: Vendor;
const running: RunningHerald[] = [];

/** Herald on `dir`'s database without HERALD_SECRETS_KEY, its log recorded. */
async function start(): Promise<{ herald: HeraldClient; logger: RecordingLogger; stop(): Promise<void> }> {
  const logger = new RecordingLogger();
  const config = loadConfig({ ...TEST_ENV, HERALD_SECRETS_KEY: '', HERALD_DB_PATH: join(dir, 'herald.db') });
  const instance = await startHerald(config, logger);
  running.push(instance);
  return { herald: new HeraldClient(instance.url), logger, stop: () => instance.stop() };
}

const verifies = (secret: string, request: VendorRequest) => {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
  try {
    new Webhook(secret).verify(request.body, headers, { jsonParse: false });
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'herald-key-file-e2e-'));
  vendor = await startVendor();
});
afterAll(async () => {
  for (const instance of running) await instance.stop().catch(() => undefined);
  await vendor?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the secrets key file (single process, no HERALD_SECRETS_KEY)', () => {
  it('is made owner-only beside the database and said once; a key made before a restart still signs after it', async () => {
    const path = join(dir, 'herald-secrets.key');
    const first = await start();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const content = readFileSync(path, 'utf8');
    const created = first.logger.entries.filter((entry) => entry.fields.secretsKeyFile === path);
    expect(created).toHaveLength(1);
    expect(JSON.stringify(first.logger.entries)).not.toContain(content.trim());

    const signingSecret = `/v1/destinations/${encodeURIComponent(vendor.url)}/signing-secret`;
    const made = await first.herald.call('POST', signingSecret);
    expect(made.status).toBe(201);
    // Nothing logs a secret.
    expect(JSON.stringify(first.logger.entries)).not.toContain(made.body.secret);
    await first.stop();

    const second = await start();
    expect(readFileSync(path, 'utf8')).toBe(content);
    expect(second.logger.entries.filter((entry) => entry.fields.secretsKeyFile !== undefined)).toEqual([]);
    const inForce = await second.herald.call('GET', signingSecret);
    expect(inForce.body.secrets[0]).toMatchObject({ secret: made.body.secret, source: 'destination' });

    const sent = await second.herald.send({ url: `${vendor.url}/ok`, body: 'after a restart', sign: true });
    await second.herald.waitForStatus(sent.body.id, ['SUCCESS']);
    const [request] = vendor.requestsFor(sent.body.id);
    if (!request) throw new Error('the vendor received nothing');
    expect(verifies(made.body.secret, request)).toBe(true);
    await second.stop();
  });

  it('stops the start with a key file others can read, naming it', async () => {
    const path = join(dir, 'herald-secrets.key');
    chmodSync(path, 0o644);
    await expect(start()).rejects.toThrow(path);
  });
});
