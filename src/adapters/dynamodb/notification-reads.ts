import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Expression } from './expression.js';
import { type Item, requestKey } from './items.js';
import { call, type Table } from './table.js';
import { ITEM, KEY, notificationKey } from './table-schema.js';

/** Both items of one notification in one strongly consistent Query, optionally projected. */
export async function readBothItems(
  table: Table,
  id: string,
  projection?: string[],
): Promise<{ request?: Item; state?: Item }> {
  const e = new Expression();
  const output = await call(() =>
    table.doc.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: e.equals(KEY.partition, notificationKey(id)),
        ConsistentRead: true,
        ...(projection ? { ProjectionExpression: projection.map((name) => e.name(name)).join(', ') } : {}),
        ...e.attributes(),
      }),
    ),
  );
  const items = output.Items ?? [];
  return {
    request: items.find((item) => item[KEY.sort] === ITEM.request),
    state: items.find((item) => item[KEY.sort] === ITEM.state),
  };
}

/** The REQUEST item: eventually consistent first (it is immutable), strongly if not visible yet. */
export async function readRequest(table: Table, id: string): Promise<Item | undefined> {
  for (const consistent of [false, true]) {
    const output = await call(() =>
      table.doc.send(new GetCommand({ TableName: table.name, Key: requestKey(id), ConsistentRead: consistent })),
    );
    if (output.Item) return output.Item;
  }
  return undefined;
}

export async function requestExists(table: Table, id: string): Promise<boolean> {
  const output = await call(() =>
    table.doc.send(
      new GetCommand({
        TableName: table.name,
        Key: requestKey(id),
        ConsistentRead: true,
        ProjectionExpression: '#pk',
        ExpressionAttributeNames: { '#pk': KEY.partition },
      }),
    ),
  );
  return output.Item !== undefined;
}
