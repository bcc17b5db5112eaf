import { type DestinationStream, pino } from 'pino';
import type { Logger } from '../../ports/logger.js';
import { redactLogFields } from './log-redaction.js';

/**
 * JSON logs on stdout (or `destination`). Header values and secret query values never reach a log
 * line: the use cases log ids, statuses and outcome codes only, and redactLogFields catches any
 * headers object or URL passed by mistake.
 */
export function createPinoLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'herald' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }), log: redactLogFields },
  };
  return destination ? pino(options, destination) : pino(options);
}
