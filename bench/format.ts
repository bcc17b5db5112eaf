/** How the report writes figures, shared by its tables. */
export const int = (n: number) => Math.round(n).toLocaleString('en-US');
export const fixed = (n: number, digits = 1) => n.toFixed(digits);
export const ms = (n: number | null) => (n === null ? 'n/a' : `${fixed(n, n < 10 ? 1 : 0)} ms`);
export const ratio = (n: number) => `${n.toFixed(3)} ×`;
export const check = (ok: boolean) => (ok ? 'meets' : 'MISSES');
export const mb = (n: number | null) => (n === null ? 'n/a' : `${fixed(n)} MB`);
export const cores = (n: number | null) => (n === null ? 'n/a' : n.toFixed(2));

/** A markdown table; a `|` inside a cell is escaped. */
export function markdownTable(header: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)];
}
