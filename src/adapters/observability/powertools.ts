import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { Logger } from '../../ports/logger.js';
import type { Metrics } from '../../ports/metrics.js';
import { redactLogFields } from './log-redaction.js';

/**
 * Our Logger port on Powertools Logger (its argument order is message first, then fields), with the
 * same redaction as the pino logger.
 */
export function powertoolsLogger(logger: PowertoolsLogger): Logger {
  return {
    debug: (fields, message) => logger.debug(message, redactLogFields(fields)),
    info: (fields, message) => logger.info(message, redactLogFields(fields)),
    warn: (fields, message) => logger.warn(message, redactLogFields(fields)),
    error: (fields, message) => logger.error(message, redactLogFields(fields)),
  };
}

/** Our Metrics port on Powertools Metrics: CloudWatch EMF, flushed by the handler after each invocation. */
export function powertoolsMetrics(metrics: PowertoolsMetrics): Metrics {
  return {
    count: (name, value = 1, dimensions = {}) => {
      if (dimensions.category === undefined) {
        metrics.addMetric(name, MetricUnit.Count, value);
        return;
      }
      // A dimension applies to a whole EMF document: a single metric is published as one of its own.
      const single = metrics.singleMetric();
      single.addDimension('category', dimensions.category);
      single.addMetric(name, MetricUnit.Count, value);
    },
    timing: (name, milliseconds) => metrics.addMetric(name, MetricUnit.Milliseconds, milliseconds),
  };
}
