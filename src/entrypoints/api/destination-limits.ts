import * as z from 'zod';
import type { DestinationLimits } from '../../app/manage-destinations.js';
import { ValidationError } from '../../domain/errors.js';

/** The most deliveries in flight, and requests per second, an operator may allow one destination. */
export const DESTINATION_LIMITS = { maxConcurrency: 10_000, requestsPerSecond: 100_000 } as const;

const schema = z.strictObject({
  maxConcurrency: z.int().min(1).max(DESTINATION_LIMITS.maxConcurrency).nullable().optional(),
  requestsPerSecond: z.number().positive().max(DESTINATION_LIMITS.requestsPerSecond).nullable().optional(),
});

/** The body of `PATCH /v1/destinations/{destination}`; a field set to null clears that override. */
export function parseDestinationLimits(input: unknown): DestinationLimits {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    parsed.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ field: key, message: 'is not a destination setting' }));
      }
      const field = issue.path.length > 0 ? issue.path.join('.') : '(body)';
      const message = field === '(body)' ? 'must be a JSON object' : `${issue.message}; or null to clear it`;
      return [{ field, message }];
    }),
  );
}
