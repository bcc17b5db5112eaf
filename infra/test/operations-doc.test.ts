import { readFileSync } from 'node:fs';
import type { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Node } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type HeraldSettings, settingsFromContext } from '../lib/settings.js';
import { type Synthesized, synthesize } from './support.js';

/**
 * docs/operations.md against the stack it describes: a stack output, queue, function or alarm added
 * or removed, or a context setting's range or default changed, fails here until the page says so.
 */
const operations = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');

/** The text of a `## ` section of the page, up to the next one. */
function section(title: string): string {
  const start = operations.indexOf(`## ${title}\n`);
  if (start < 0) throw new Error(`docs/operations.md has no section "${title}"`);
  const end = operations.indexOf('\n## ', start + 1);
  return operations.slice(start, end < 0 ? undefined : end);
}

/** Lower case, hyphens as spaces: "OrderedDeadLetterQueue" and "ordered dead-letter queue" meet. */
const words = (text: string) =>
  text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/-/g, ' ')
    .toLowerCase();

/** The constructs of a kind in the stack, by the id they were given (not the hashed logical id). */
function constructIds<T>(stack: Stack, kind: abstract new (...args: never[]) => T): string[] {
  return stack.node
    .findAll()
    .filter((construct) => construct instanceof kind)
    .map((construct) => construct.node.id);
}

describe('docs/operations.md matches the stack', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize();
  });

  it('lists every stack output, and only those', () => {
    const listed = /Stack outputs: ([^\n]+(?:\n[^\n]+)*)/.exec(operations)?.[1] ?? '';
    const documented = [...listed.matchAll(/`(\w+)`/g)].map((match) => match[1]).sort();
    const outputs = Object.keys((synthesized.template.toJSON() as { Outputs: object }).Outputs).sort();
    expect(documented).toEqual(outputs);
  });

  it('names in "What gets deployed" every queue and function, and counts the alarms, each of which has its section', () => {
    const deployed = words(section('What gets deployed'));
    const { stack } = synthesized;
    const queues = constructIds(stack, sqs.Queue);
    expect(queues.length).toBeGreaterThan(0);
    for (const queue of queues) expect(deployed, queue).toContain(words(queue));

    const functions = constructIds(stack, lambda.Function);
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) expect(deployed, fn).toContain(`\`${fn}\` function`);

    const alarms = constructIds(stack, cloudwatch.Alarm);
    expect(deployed).toContain(`${alarms.length} alarms`);
    for (const alarm of alarms) expect(operations, alarm).toContain(`\`${alarm}\``);
  });

  it('gives each context setting the default and the range synth accepts', () => {
    const rows = section('Configure')
      .split('\n')
      .map((line) => /^\| `(\w+)`\s+\| `(\d+)`\s+\|[^|(]*\((\d+)–(\d+)/.exec(line))
      .filter((match) => match !== null);
    expect(rows.map((row) => row[1])).toEqual(expect.arrayContaining(['maxAttempts', 'attemptTimeoutMs']));
    const accepts = (key: string, value: number) => {
      const node = { tryGetContext: (name: string) => (name === key ? value : undefined) } as unknown as Node;
      try {
        settingsFromContext(node);
        return true;
      } catch {
        return false;
      }
    };
    for (const [, key, defaultValue, low, high] of rows) {
      const name = key as keyof HeraldSettings;
      expect(String(DEFAULT_SETTINGS[name]), `${key}'s default`).toBe(defaultValue);
      expect(
        [
          accepts(name, Number(low) - 1),
          accepts(name, Number(low)),
          accepts(name, Number(high)),
          accepts(name, Number(high) + 1),
        ],
        `${key} accepts ${low}–${high}`,
      ).toEqual([false, true, true, false]);
    }
  });
});
