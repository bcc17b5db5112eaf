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

  it('knows no caller when the IAM authorizer names no principal', () => {
    expect(callerOfRequestContext({ authorizer: { iam: { ...iam, userArn: '', callerId: '' } } })).toBeUndefined();
  });

  it('is the full-access caller "default" without an authorizer (a local run without keys)', () => {
    expect(callerOfRequestContext({})).toEqual({ name: 'default', role: 'operate' });
    expect(callerOfRequestContext(undefined)).toEqual({ name: 'default', role: 'operate' });
  });
});
