import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Expression } from './expression.js';
import { everyShard, failedPartition } from './index-partitions.js';
import { call, type Table } from './table.js';
import { FAILED_INDEX } from './table-schema.js';

/**
 * How many notifications are FAILED, counted on the sparse failedByShard index: one `Select: COUNT`
 * Query per shard, at most one page (1 MB) each, so a count costs at most 8 × 128 RCU (~0.5 RCU per
 * ~35 failures). Undefined when a shard has more than one page: beyond ~70,000 failures the count
 * would cost more than statistics are worth.
 */
export async function countFailed(table: Table): Promise<number | undefined> {
  const counts = await Promise.all(
    everyShard(async (shard) => {
      const e = new Expression();
      const output = await call(() =>
        table.doc.send(
          new QueryCommand({
            TableName: table.name,
            IndexName: FAILED_INDEX.name,
            KeyConditionExpression: e.equals(FAILED_INDEX.partition, failedPartition(shard)),
            Select: 'COUNT',
            ...e.attributes(),
          }),
        ),
      );
      return output.LastEvaluatedKey === undefined ? (output.Count ?? 0) : undefined;
    }),
  );
  return counts.some((count) => count === undefined)
    ? undefined
    : counts.reduce<number>((sum, count) => sum + (count ?? 0), 0);
}
