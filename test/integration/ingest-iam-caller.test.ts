import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsLocal, startAwsLocal } from '../../src/entrypoints/local/aws-local.js';
import { lambdaContext } from '../../src/entrypoints/local/lambda-context.js';
import { TEST_ENV } from '../helpers/services.js';

const fn = { name: 'herald-ingest', timeoutMs: 10_000, memoryMb: 256 };

/** An API Gateway HTTP API (payload 2.0) event as an IAM-authorized route delivers it. */
function iamEvent(
  userArn: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example', 'content-type': 'application/json', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: crypto.randomUUID(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '07/Dec/2026:00:00:00 +0000',
      timeEpoch: Date.now(),
      authorizer: {
        iam: {
          accessKey: 'AKIAEXAMPLE',
          accountId: '123456789012',
          callerId: 'AIDAEXAMPLE',
          cognitoIdentity: null,
          principalOrgId: 'o-example',
          userArn,
          userId: 'AIDAEXAMPLE',
        },
      },
    } as APIGatewayProxyEventV2['requestContext'],
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    isBase64Encoded: false,
  };
}

const BILLING = 'arn:aws:iam::123456789012:role/billing-service';
const SHIPPING = 'arn:aws:iam::123456789012:role/shipping-service';

/** The ingest Lambda behind IAM authorization: the principal that signed the request is the caller. */
describe('ingest handler: the IAM principal is the caller', () => {
  let local: AwsLocal;
  beforeAll(async () => {
    local = await startAwsLocal({ ...TEST_ENV });
  });
  afterAll(() => local?.stop());

  const invoke = async (event: APIGatewayProxyEventV2) => {
    const result = (await local.handlers.ingest(
      event,
      lambdaContext(fn, 'us-east-1'),
    )) as APIGatewayProxyStructuredResultV2;
    return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
  };

  it('records the principal ARN as the caller, with full access, and scopes idempotency keys by it', async () => {
    const notification = { url: 'https://vendor.example/hook', body: 'x' };
    const key = { 'idempotency-key': 'order-7' };
    const billing = await invoke(iamEvent(BILLING, 'POST', '/v1/notifications', notification, key));
    expect(billing.status).toBe(202);
    expect(billing.body.caller).toBe(BILLING);
    const shipping = await invoke(iamEvent(SHIPPING, 'POST', '/v1/notifications', notification, key));
    expect(shipping.status).toBe(202);
    expect(shipping.body.id).not.toBe(billing.body.id);
    expect((await invoke(iamEvent(BILLING, 'POST', '/v1/notifications', notification, key))).status).toBe(200);

    expect((await invoke(iamEvent(BILLING, 'GET', '/v1/caller'))).body).toEqual({ name: BILLING, role: 'operate' });
    // Full access: another principal's notification, and operator routes.
    expect((await invoke(iamEvent(SHIPPING, 'GET', `/v1/notifications/${billing.body.id}`))).body.caller).toBe(BILLING);
    expect((await invoke(iamEvent(SHIPPING, 'GET', '/v1/stats'))).status).toBe(200);
  });

  it("takes an assumed role's sessions for one caller: its replicas share their idempotency keys", async () => {
    // What API Gateway names when a role signs: its session, one per instance, task or function.
    const session = (name: string) => `arn:aws:sts::123456789012:assumed-role/orders-service/${name}`;
    const notification = { url: 'https://vendor.example/hook', body: 'y' };
    const key = { 'idempotency-key': 'order-8' };
    const first = await invoke(iamEvent(session('i-0aaa'), 'POST', '/v1/notifications', notification, key));
    expect(first.status).toBe(202);
    expect(first.body.caller).toBe('arn:aws:sts::123456789012:assumed-role/orders-service');
    const otherReplica = await invoke(iamEvent(session('i-0bbb'), 'POST', '/v1/notifications', notification, key));
    expect(otherReplica.status).toBe(200);
    expect(otherReplica.body.id).toBe(first.body.id);
  });
});
