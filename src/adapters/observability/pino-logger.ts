import { pino } from 'pino';
import type { Logger } from '../../ports/logger.js';

/**
 * JSON logs on stdout. Header values never reach a log line: the use cases log ids, statuses and
 * outcome codes only, and `redact` catches any headers object passed by mistake.
 */
export function createPinoLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'herald' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['headers', '*.headers', 'authorization', '*.authorization'], censor: '[REDACTED]' },
  });
}
