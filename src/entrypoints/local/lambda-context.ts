import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** What the local runner knows about one of the functions the CDK stack deploys. */
export interface LocalFunction {
  name: string;
  /** The function's timeout in the stack; only reported through getRemainingTimeInMillis here. */
  timeoutMs: number;
  memoryMb: number;
}

const LOCAL_ACCOUNT = '123456789012';

/**
 * A Lambda context for one local invocation: a fresh request id and a deadline. The runner does not
 * enforce the timeout (it cannot stop a promise); handlers that budget their time, like the sweeper,
 * see the clock run down as on Lambda.
 */
export function lambdaContext(fn: LocalFunction, region: string): Context {
  const awsRequestId = randomUUID();
  const deadline = Date.now() + fn.timeoutMs;
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const unsupported = () => {
    throw new Error('Callback-style Lambda completion is not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${fn.name}`,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `${day}/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
