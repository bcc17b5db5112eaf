import { App, Aspects, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HeraldStack } from './herald-stack.js';
import { settingsFromContext } from './settings.js';

/** Offline synthesis targets this account unless a real one is given (see docs/operations.md). */
export const DEFAULT_ENV = { account: '123456789012', region: 'us-east-1' } as const;

export const STACK_NAME = 'Herald';

export interface HeraldAppOptions {
  /** Extra context, as `-c key=value` would give (tests pass `aws:cdk:bundling-stacks` here). */
  readonly context?: Record<string, unknown>;
  /** CDK's built-in CloudFormation validation adds seconds to each synth; tests may turn it off. */
  readonly builtinCloudFormationValidation?: boolean;
  /** Stands in for `process.env` (tests pin it). */
  readonly env?: NodeJS.ProcessEnv;
}

/** Context `account`/`region` win, then the CLI's CDK_DEFAULT_* (real credentials), then DEFAULT_ENV. */
export function resolveEnvironment(
  app: App,
  env: NodeJS.ProcessEnv,
): Required<Pick<Environment, 'account' | 'region'>> {
  const fromContext = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  return {
    account: fromContext('account') ?? env.CDK_DEFAULT_ACCOUNT ?? DEFAULT_ENV.account,
    region: fromContext('region') ?? env.CDK_DEFAULT_REGION ?? DEFAULT_ENV.region,
  };
}

export function createHeraldApp(options: HeraldAppOptions = {}): { app: App; stack: HeraldStack } {
  const app = new App({
    ...(options.context ? { context: options.context } : {}),
    ...(options.builtinCloudFormationValidation === false ? { builtinCloudFormationValidation: false } : {}),
  });
  const stack = new HeraldStack(app, STACK_NAME, {
    env: resolveEnvironment(app, options.env ?? process.env),
    description: 'Herald: durable HTTP notification delivery (API Gateway, Lambda, DynamoDB, SQS)',
    settings: settingsFromContext(app.node),
  });
  // Every finding is either fixed or suppressed next to the resource with a written reason.
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stack };
}
