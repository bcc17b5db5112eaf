import { existsSync, readdirSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createBodyBucket } from '../../src/entrypoints/local/engines.js';
import { localS3Client, startS3rver } from '../helpers/aws-engines.js';

describe('s3rver, as start:aws-local and the tests run it', () => {
  it('listens on loopback on a free port, keeps objects in a directory of its own, and removes it on stop', async () => {
    const [first, second] = await Promise.all([startS3rver(), startS3rver()]);
    const s3 = localS3Client(first.endpoint);
    try {
      expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(second.endpoint).not.toBe(first.endpoint);
      expect(second.directory).not.toBe(first.directory);
      // The local key pair opens it (s3rver knows no other), by path-style URLs.
      await createBodyBucket(s3, 'herald-engine-test');
      await s3.send(new PutObjectCommand({ Bucket: 'herald-engine-test', Key: 'a/b', Body: 'x' }));
      expect(readdirSync(first.directory)).toContain('herald-engine-test');
    } finally {
      s3.destroy();
      await Promise.all([first.stop(), second.stop()]);
    }
    expect(existsSync(first.directory)).toBe(false);
    expect(existsSync(second.directory)).toBe(false);
  });
});
