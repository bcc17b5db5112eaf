import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { printJson, table, terminalOutput } from '../../src/entrypoints/cli/output.js';
import { notificationsTable } from '../../src/entrypoints/cli/views.js';

const ESC = '\u001b';
/** C0 controls (tab and newline included), DEL and C1 controls: none may reach a terminal raw. */
const CONTROL = /\p{Cc}/u;

/** A stream that keeps what is written, posing as a terminal when asked to. */
function capture(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { isTTY?: boolean };
  stream.isTTY = isTTY;
  return { stream: stream as unknown as typeof process.stdout & typeof process.stderr, text: () => chunks.join('') };
}

/** A vendor's answer that would clear the screen and retitle the terminal if printed raw. */
const HOSTILE = `ok${ESC}[2J${ESC}]0;pwned\u0007\u009b31m\u007f\ttab\nline`;

describe('CLI output of text it did not write', () => {
  it('escapes control characters in table cells, keeping its own colours', () => {
    const stdout = capture(true);
    const output = terminalOutput(false, stdout.stream, capture(false).stream);
    const text = notificationsTable(output, [
      {
        id: 'n1',
        status: 'FAILED',
        destination: `https://vendor.example${ESC}[1m`,
        caller: 'billing',
        url: 'https://vendor.example/hook',
        attempts: 1,
        createdAt: '2030-01-01T00:00:00.000Z',
        nextAttemptAt: null,
        deliveryResult: { category: HOSTILE, statusCode: 500 },
      },
    ]);
    output.data(text);
    const printed = stdout.text().replaceAll(`${ESC}[31mFAILED${ESC}[0m`, 'FAILED');
    expect(printed.split('\n').slice(0, 2).join('')).not.toMatch(CONTROL);
    expect(printed).toContain('ok\\u001b[2J\\u001b]0;pwned\\u0007\\u009b31m\\u007f\\u0009tab\\u000aline 500');
    expect(printed).toContain('https://vendor.example\\u001b[1m');
  });

  it('escapes them in any table, header and cells', () => {
    expect(table(['A'], [[HOSTILE]])).not.toMatch(/(?!\n)\p{Cc}/u);
  });

  it('prints JSON with DEL and C1 controls escaped too, still parsing to the same value', () => {
    const stdout = capture(false);
    const output = terminalOutput(true, stdout.stream, capture(false).stream);
    printJson(output, { body: HOSTILE });
    expect(stdout.text().replace(/\n/g, '')).not.toMatch(CONTROL);
    expect(JSON.parse(stdout.text())).toEqual({ body: HOSTILE });
  });

  it('escapes them in messages on stderr, line breaks kept', () => {
    const stderr = capture(true);
    const output = terminalOutput(false, capture(true).stream, stderr.stream);
    output.error(`failed: ${HOSTILE}\nsecond line`);
    const lines = stderr.text().split('\n');
    expect(lines.join('')).not.toMatch(CONTROL);
    expect(lines).toHaveLength(4);
  });
});
