import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

// Everything shown here goes through JSX text or attributes, which Preact escapes: a vendor's body
// or a caller's header is text, never markup; no HTML string is ever parsed into the page.

export interface Polled<T> {
  data?: T;
  error?: Error;
  /** When `data` was last loaded. */
  at?: Date;
  refresh: () => void;
}

/**
 * Loads now and again `intervalMs` after each answer (never two loads at once), and again whenever
 * `key` changes. The interval may depend on the data (a detail page polls faster until it is final).
 */
export function usePoll<T>(
  load: () => Promise<T>,
  intervalMs: number | ((data: T | undefined) => number),
  key = '',
): Polled<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; at?: Date }>({});
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const intervalRef = useRef(intervalMs);
  intervalRef.current = intervalMs;
  const keyRef = useRef(key);

  // Reloads when the key changes or on refresh (tick); load and interval are read through refs.
  useEffect(() => {
    if (keyRef.current !== key) {
      keyRef.current = key;
      setState({});
    }
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last: T | undefined;
    const run = async () => {
      try {
        last = await loadRef.current();
        if (!stopped) setState({ data: last, at: new Date() });
      } catch (error) {
        if (!stopped) setState((previous) => ({ ...previous, error: error as Error }));
      }
      if (stopped) return;
      const every = intervalRef.current;
      timer = setTimeout(run, typeof every === 'function' ? every(last) : every);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key, tick]);

  const refresh = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, refresh };
}

/** Runs one action at a time (a button's click), keeping its error for display. */
export function useAction(): {
  busy: boolean;
  error: Error | undefined;
  run: (action: () => Promise<unknown>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Herald console`;
  }, [title]);
}

export function ErrorNotice({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const issues = error instanceof ApiError ? error.issues : [];
  return (
    <div class="notice error" role="alert">
      <p>{error.message}</p>
      {issues.length > 0 && (
        <ul>
          {issues.map((issue) => (
            <li key={issue.field}>
              <code>{issue.field}</code> {issue.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Badge({ value }: { value: string }) {
  return <span class={`badge badge-${value.toLowerCase()}`}>{value}</span>;
}

export function Updated({ at }: { at: Date | undefined }) {
  return <p class="updated">{at ? `Updated ${clock(at)} ${zone(at)}` : 'Loading…'}</p>;
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

const pad = (n: number) => String(n).padStart(2, '0');

export function clock(date: Date): string {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/**
 * The browser's time zone at `date` as it names it briefly ("UTC", "EST", "GMT+1"): times are shown
 * in local time, and an operator comparing them with a vendor's or a log's must know which.
 */
export function zone(date: Date = new Date()): string {
  const part = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? '';
}

/** A local date and time, to the second, with its zone; the ISO instant is in the title. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span>—</span>;
  const date = new Date(iso);
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return (
    <time dateTime={iso} title={iso}>
      {`${day} ${clock(date)} ${zone(date)}`}
    </time>
  );
}

/** How long ago (or, for a future instant, in how long): "42 s", "5 min", "3 h", "2 d". */
export function age(iso: string, now = Date.now()): string {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  const magnitude = Math.abs(seconds);
  const text =
    magnitude < 60
      ? `${magnitude} s`
      : magnitude < 3600
        ? `${Math.floor(magnitude / 60)} min`
        : magnitude < 86_400
          ? `${Math.floor(magnitude / 3600)} h`
          : `${Math.floor(magnitude / 86_400)} d`;
  return seconds < 0 ? `in ${text}` : text;
}

export const count = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : String(value);

/** A `datetime-local` input's value (local time) as an ISO instant, or undefined when empty. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** An ISO instant as a `datetime-local` input's value (local time, to the minute). */
export function isoToLocal(iso: string | undefined | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
