import * as z from 'zod';

/**
 * What the CLI expects of each of Herald's answers: the fields it reads, checked before it reads
 * them, so a server that is not Herald (or answers other JSON) is an error naming the field, not a
 * TypeError. Loose objects: fields the CLI does not read pass through to --json untouched.
 */

const deliveryResult = z.looseObject({ category: z.string(), statusCode: z.number().nullable() });

export const notificationRecord = z.looseObject({
  id: z.string(),
  status: z.string(),
  destination: z.string(),
  /** The caller whose key sent it. */
  caller: z.string(),
  url: z.string(),
  attempts: z.number(),
  createdAt: z.string(),
  nextAttemptAt: z.string().nullable(),
  deliveryResult: deliveryResult.nullable(),
});
export type NotificationRecord = z.infer<typeof notificationRecord>;

export const notificationPage = z.looseObject({
  items: z.array(notificationRecord),
  nextCursor: z.string().nullable(),
});

export const attemptList = z.looseObject({
  attempts: z.array(
    deliveryResult.extend({
      attempt: z.number(),
      responseTime: z.number(),
      timestamp: z.string(),
      errorDetails: z.looseObject({ message: z.string() }).nullable(),
    }),
  ),
});

export const destinationRecord = z.looseObject({
  destination: z.string(),
  state: z.string(),
  maxConcurrency: z.number(),
  requestsPerSecond: z.number().nullable(),
  waiting: z.number().nullable(),
  inFlight: z.number().nullable(),
});
export type DestinationRecord = z.infer<typeof destinationRecord>;

export const destinationPage = z.looseObject({
  items: z.array(destinationRecord),
  nextCursor: z.string().nullable(),
});

export const stats = z.looseObject({
  byStatus: z.record(z.string(), z.number().nullable()),
  oldestDueAt: z.string().nullable(),
  destinations: z.record(z.string(), z.number()),
  exact: z.boolean(),
});

export const caller = z.looseObject({ name: z.string(), role: z.string() });

export const recoveryJob = z.looseObject({
  id: z.string(),
  state: z.enum(['RUNNING', 'DONE', 'FAILED']),
  /** True while the job counts its matches; `matched` is the bar's total from then on. */
  counting: z.boolean(),
  matched: z.number(),
  retried: z.number(),
  skipped: z.number(),
  finishedAt: z.string().nullable(),
  error: z.string().nullish(),
});
export type RecoveryJob = z.infer<typeof recoveryJob>;
