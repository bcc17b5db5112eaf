import { readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { createHeraldApp } from '../lib/app.js';
import type { HeraldStack } from '../lib/herald-stack.js';

/** The feature flags the CLI passes from cdk.json, so tests synthesize what `cdk synth` does. */
const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

export interface Synthesized {
  stack: HeraldStack;
  template: Template;
}

/**
 * Builds the app as bin/herald.ts does, minus the slow parts: no esbuild bundling (the synth test
 * does that once) and no built-in CloudFormation validation. `env` stands in for process.env;
 * `amend` may add resources before synthesis.
 */
export function synthesize(
  context: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = {},
  amend?: (stack: HeraldStack) => void,
): Synthesized {
  const { stack } = createHeraldApp({
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context },
    builtinCloudFormationValidation: false,
    env,
  });
  amend?.(stack);
  return { stack, template: Template.fromStack(stack) };
}

export const logicalId = (stack: Stack, fn: { node: { defaultChild?: unknown } }): string =>
  Stack.of(stack).getLogicalId(fn.node.defaultChild as CfnFunction);

type Json = Record<string, unknown>;

/** Resources of one type from a template, as `[logicalId, properties]` pairs. */
export function resources(template: Template, type: string): Array<[string, Json]> {
  return Object.entries(template.findResources(type)).map(([id, r]) => [id, (r as { Properties: Json }).Properties]);
}

/** The properties of the one resource of a type, failing if there is not exactly one. */
export function onlyResource(template: Template, type: string): Json {
  const found = resources(template, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return (found[0] as [string, Json])[1];
}

export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every IAM statement attached to a role (inline policies and AWS::IAM::Policy resources). */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  const attached = resources(template, 'AWS::IAM::Policy').filter(([, p]) =>
    (p.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })),
  );
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId] as { Properties: Json } | undefined;
  const inline = (role?.Properties.Policies as Array<{ PolicyDocument: Json }> | undefined) ?? [];
  return [...attached.map(([, p]) => p.PolicyDocument as Json), ...inline.map((p) => p.PolicyDocument)].flatMap(
    (doc) => doc.Statement as PolicyStatementJson[],
  );
}

export const actionsOf = (s: PolicyStatementJson): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

export const resourcesOf = (s: PolicyStatementJson): unknown[] =>
  Array.isArray(s.Resource) ? s.Resource : [s.Resource];
