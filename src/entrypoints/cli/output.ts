/**
 * What the CLI writes: data to stdout (a table for people, JSON for scripts), messages to stderr.
 * Colour only on a terminal, and never with NO_COLOR set (clig.dev).
 */
export interface Output {
  json: boolean;
  data(text: string): void;
  error(text: string): void;
  /** `text` in the colour of a status, when stdout is a terminal. */
  status(text: string): string;
}

const COLOURS: Record<string, number> = {
  SUCCESS: 32,
  FAILED: 31,
  CANCELLED: 90,
  PROCESSING: 36,
  OPEN: 31,
  PAUSED: 33,
};

export function terminalOutput(json: boolean, stdout = process.stdout, stderr = process.stderr): Output {
  const colour = stdout.isTTY === true && process.env.NO_COLOR === undefined;
  return {
    json,
    data: (text) => stdout.write(`${text}\n`),
    error: (text) => stderr.write(`${text}\n`),
    status: (text) => {
      const code = COLOURS[text];
      return colour && code !== undefined ? `\u001b[${code}m${text}\u001b[0m` : text;
    },
  };
}

const COLOUR_CODE = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g');

/** Left-aligned columns separated by two spaces, as kubectl prints them; widths ignore colour codes. */
export function table(headers: string[], rows: string[][]): string {
  const visible = (cell: string) => cell.replace(COLOUR_CODE, '').length;
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => visible(row[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visible(cell))))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function printJson(output: Output, value: unknown): void {
  output.data(JSON.stringify(value, null, 2));
}
