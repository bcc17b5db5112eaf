import { describe, expect, it } from 'vitest';
import { callerOfRequestContext } from '../../src/entrypoints/lambda/request-context-caller.js';

const iam = {
  accessKey: 'AKIAEXAMPLE',
  accountId: '123456789012',
  callerId: 'AIDAEXAMPLE',
  cognitoIdentity: null,
  principalOrgId: 'o-example',
  userArn: 'arn:aws:iam::123456789012:user/billing-service',
  userId: 'AIDAEXAMPLE',
};

describe('callerOfRequestContext', () => {
  it('names the IAM principal that signed the request, with full access', () => {
    expect(callerOfRequestContext({ authorizer: { iam } })).toEqual({
      name: 'arn:aws:iam::123456789012:user/billing-service',
      role: 'operate',
    });
    expect(callerOfRequestContext({ authorizer: { iam: { ...iam, userArn: '' } } })).toEqual({
      name: 'AIDAEXAMPLE',
      role: 'operate',
    });
  });

  it("names an assumed role's session by its role, the same for every session of it", () => {
    const sessionArn = 'arn:aws:sts::123456789012:assumed-role/orders-service/i-0123456789abcdef0';
    expect(callerOfRequestContext({ authorizer: { iam: { ...iam, userArn: sessionArn } } })).toEqual({
      name: 'arn:aws:sts::123456789012:assumed-role/orders-service',
      role: 'operate',
    });
    const govCloud = 'arn:aws-us-gov:sts::123456789012:assumed-role/orders-service/task-7f1c';
    expect(callerOfRequestContext({ authorizer: { iam: { ...iam, userArn: govCloud } } })?.name).toBe(
      'arn:aws-us-gov:sts::123456789012:assumed-role/orders-service',
    );
    // Without an ARN, the role's unique id without the session's name.
    expect(
      callerOfRequestContext({ authorizer: { iam: { ...iam, userArn: '', callerId: 'AROAEXAMPLE:i-0123' } } })?.name,
    ).toBe('AROAEXAMPLE');
  });

  it('knows no caller when the IAM authorizer names no principal', () => {
    expect(callerOfRequestContext({ authorizer: { iam: { ...iam, userArn: '', callerId: '' } } })).toBeUndefined();
  });

  it('is the full-access caller "default" without an authorizer (a local run without keys)', () => {
    expect(callerOfRequestContext({})).toEqual({ name: 'default', role: 'operate' });
    expect(callerOfRequestContext(undefined)).toEqual({ name: 'default', role: 'operate' });
  });
});
