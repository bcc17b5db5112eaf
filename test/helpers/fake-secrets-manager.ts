import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the one Secrets Manager call Herald makes, GetSecretValue, speaking the
 * service's JSON protocol (POST, `X-Amz-Target: secretsmanager.GetSecretValue`), so the real SDK
 * client is exercised end to end. There is no wire-compatible Secrets Manager engine on npm.
 */
export interface FakeSecretsManager {
  endpoint: string;
  /** The ARN it answers for; any other SecretId is a ResourceNotFoundException. */
  arn: string;
  /** The SecretString returned; undefined answers a secret holding only SecretBinary. */
  value: string | undefined;
  /** While true, every call is answered 500 InternalServiceError. */
  failing: boolean;
  /** The SecretId of every GetSecretValue call, in order. */
  calls: string[];
  close(): Promise<void>;
}

export async function startFakeSecretsManager(value: string | undefined): Promise<FakeSecretsManager> {
  const fake: Omit<FakeSecretsManager, 'endpoint' | 'close'> = {
    arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:herald-signing-AbCdEf',
    value,
    failing: false,
    calls: [],
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = (status: number, body: unknown, errorType?: string) => {
        res.statusCode = status;
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        if (errorType) res.setHeader('x-amzn-errortype', errorType);
        res.end(JSON.stringify(body));
      };
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        return answer(400, { __type: 'UnknownOperationException' }, 'UnknownOperationException');
      }
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString()) as { SecretId: string };
      fake.calls.push(SecretId);
      if (fake.failing) return answer(500, { __type: 'InternalServiceError', message: 'down' }, 'InternalServiceError');
      if (SecretId !== fake.arn) {
        return answer(
          400,
          { __type: 'ResourceNotFoundException', message: 'Secrets Manager can’t find the specified secret.' },
          'ResourceNotFoundException',
        );
      }
      return answer(200, {
        ARN: fake.arn,
        Name: 'herald-signing',
        VersionId: '00000000-0000-4000-8000-000000000001',
        ...(fake.value === undefined ? { SecretBinary: 'AAAA' } : { SecretString: fake.value }),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1_700_000_000,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
