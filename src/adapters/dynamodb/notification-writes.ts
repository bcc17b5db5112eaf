import { PutCommand, UpdateCommand, type UpdateCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { Notification } from '../../domain/notification.js';
import { type Item, requestItem, stateKey } from './items.js';
import type { StateUpdate } from './state-updates.js';
import { conditionalWrite, type Table } from './table.js';
import { KEY } from './table-schema.js';

/**
 * Writes the REQUEST item, with these body attributes (request-bodies.ts), unless the id exists; false
 * when it does.
 */
export async function putRequest(table: Table, notification: Notification, body: Item): Promise<boolean> {
  const put = await conditionalWrite(() =>
    table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: requestItem(notification, body),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': KEY.partition },
      }),
    ),
  );
  return put !== undefined;
}

/**
 * Applies one transition (state-updates.ts) to the STATE item; undefined when its condition did not
 * hold. `ALL_NEW` returns the item as written, for the transitions that answer with the notification.
 */
export function updateState(
  table: Table,
  id: string,
  { expression, update, condition }: StateUpdate,
  returnValues?: 'ALL_NEW',
): Promise<UpdateCommandOutput | undefined> {
  return conditionalWrite(() =>
    table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: stateKey(id),
        UpdateExpression: update,
        ConditionExpression: condition,
        ...(returnValues ? { ReturnValues: returnValues } : {}),
        ...expression.attributes(),
      }),
    ),
  );
}
