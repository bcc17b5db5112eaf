import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Expression, updateExpression } from './expression.js';
import { expiresAtFrom, type Item, requestKey } from './items.js';
import type { RequestBodies } from './request-bodies.js';
import { conditionalWrite, type Table } from './table.js';
import { KEY, TTL_ATTRIBUTE } from './table-schema.js';

/*
 * DynamoDB's TTL deletes items by their `expiresAt` and the body bucket's lifecycle rule deletes a body
 * object a fixed time after its last write, whatever the notification's status. A notification still
 * to be delivered late in its life (retried by hand, recovered, held by its destination for weeks)
 * is therefore renewed whenever it is touched again: its REQUEST item (written once at ingest, so
 * renewing it is a write of its own, billed by its size), its body object (written again under the
 * same key, which restarts the lifecycle's count) and its STATE item (in the transition's own write).
 *
 * Renewal waits until a notification is a day old (RENEWAL_SLACK_SECONDS): the healthy path, and any
 * notification delivered, retried or held within a day, writes nothing more, and one that lives on is
 * renewed at most once a day. So after any claim or reopen both items expire at least
 * RETENTION_DAYS less a day from then, and the full RETENTION_DAYS from the moment they were renewed.
 */

/** How far below a full retention from now the items may fall before they are renewed. */
const RENEWAL_SLACK_SECONDS = 24 * 3600;

/** The REQUEST attribute holding when its body object was last written (absent: at `createdAt`). */
const BODY_WRITTEN_AT_ATTRIBUTE = 'bodyWrittenAt';

/**
 * Renews the REQUEST item (and its body object when its body is in hand: `request` as
 * RequestBodies.complete returns it) if they expire too soon for a notification touched at `at`, and
 * returns the REQUEST's `expiresAt` as it now stands, for the STATE item's write to copy.
 * Undefined for an item without one (an unparsable `createdAt`).
 */
export async function renewRequest(
  table: Table,
  bodies: RequestBodies,
  request: Item,
  at: string,
): Promise<number | undefined> {
  const current = Number(request[TTL_ATTRIBUTE]);
  if (!Number.isFinite(current)) return undefined;
  const target = expiresAtFrom(at);
  if (target === undefined) return current;
  const expiresAt = current < target - RENEWAL_SLACK_SECONDS ? target : current;
  // The body object must outlive the item that names it (BODY_OBJECT_RETENTION_DAYS): an object written
  // at t covers an item expiring up to a retention after t, and is written again when that falls short.
  const bodyCovers = expiresAtFrom(String(request[BODY_WRITTEN_AT_ATTRIBUTE] ?? request.createdAt));
  const rewriteBody =
    bodyCovers !== undefined && bodyCovers < expiresAt - RENEWAL_SLACK_SECONDS && (await bodies.rewrite(request));
  if (expiresAt === current && !rewriteBody) return current;

  const e = new Expression();
  const sets = [e.equals(TTL_ATTRIBUTE, expiresAt)];
  if (rewriteBody) sets.push(e.equals(BODY_WRITTEN_AT_ATTRIBUTE, at));
  // A REQUEST gone meanwhile (expired) is not brought back as an item with nothing but these.
  await conditionalWrite(() =>
    table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: requestKey(String(request.id)),
        UpdateExpression: updateExpression(sets, []),
        ConditionExpression: `attribute_exists(${e.name(KEY.partition)})`,
        ...e.attributes(),
      }),
    ),
  );
  return expiresAt;
}
