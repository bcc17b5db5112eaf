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

const coloured = (text: string, code: number) => `\u001b[${code}m${text}\u001b[0m`;
/** The cells status() colours: the only escape sequences the CLI itself writes. */
const COLOURED_CELLS = new Set(Object.entries(COLOURS).map(([text, code]) => coloured(text, code)));

/**
 * C0 controls, DEL and C1 controls. Herald relays what vendors and callers wrote (a response body,
 * an error message, a URL), and printed raw an escape sequence in it could rewrite the screen, the
 * window title or the clipboard of whoever reads it: such characters are printed as `\u001b`.
 */
const CONTROL_CHARACTER = /\p{Cc}/gu;
const escaped = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `text` with every control character escaped, line breaks too (a table cell is one line). */
export function printable(text: string): string {
  return text.replace(CONTROL_CHARACTER, escaped);
}

export function terminalOutput(json: boolean, stdout = process.stdout, stderr = process.stderr): Output {
  const colour = stdout.isTTY === true && process.env.NO_COLOR === undefined;
  return {
    json,
    data: (text) => stdout.write(`${text}\n`),
    error: (text) => stderr.write(`${text.split('\n').map(printable).join('\n')}\n`),
    status: (text) => {
      const code = COLOURS[text];
      return colour && code !== undefined ? coloured(text, code) : text;
    },
  };
}

const COLOUR_CODE = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g');

/**
 * Left-aligned columns separated by two spaces, as kubectl prints them; widths ignore colour codes.
 * Every cell is printable(), but for the colours of status().
 */
export function table(headers: string[], rawRows: string[][]): string {
  const rows = [headers, ...rawRows].map(printableRow);
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => visible(row[i] ?? ''))));
  return rows.map((row) => line(row, widths)).join('\n');
}

/**
 * A table printed a row at a time, as rows come (tail): each column as wide as given (or its header),
 * so rows line up under the header printed first; a longer cell pushes the rest of its row along.
 */
export function streamingTable(columns: { header: string; width: number }[]) {
  const widths = columns.map((column) => Math.max(column.width, column.header.length));
  return {
    header: line(
      columns.map((column) => column.header),
      widths,
    ),
    row: (cells: string[]) => line(printableRow(cells), widths),
  };
}

const printableRow = (row: string[]) => row.map((cell) => (COLOURED_CELLS.has(cell) ? cell : printable(cell)));
const visible = (cell: string) => cell.replace(COLOUR_CODE, '').length;
const line = (cells: string[], widths: number[]) =>
  cells
    .map((cell, i) =>
      i === cells.length - 1 ? cell : cell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - visible(cell))),
    )
    .join('  ')
    .trimEnd();

/**
 * JSON for scripts, and for a terminal: JSON.stringify escapes C0 controls but leaves DEL and C1
 * controls raw, so those are escaped here (the same JSON value).
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f]/g, escaped);
}

export function printJson(output: Output, value: unknown): void {
  output.data(jsonText(value, 2));
}
