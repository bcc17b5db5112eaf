import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BackendUnavailableError } from '../../domain/errors.js';

/** Herald's table (table-schema.ts) and the document client every call of this adapter goes through. */
export interface Table {
  readonly doc: DynamoDBDocumentClient;
  readonly name: string;
}

export function openTable(client: DynamoDBClient, name: string): Table {
  // The document client shares the base client's middleware stack, so middleware added to the base
  // client (call counting, fault injection) sees this adapter's calls.
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { doc, name };
}

// ---- error translation (STYLE.md practice 4): no SDK error leaves the adapter ----

export async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new BackendUnavailableError('dynamodb', error);
  }
}

/** Undefined when the write's condition did not hold: a lost race, not an error. */
export async function conditionalWrite<T>(operation: () => Promise<T>): Promise<T | undefined> {
  try {
    return await operation();
  } catch (error) {
    if (
      error instanceof ConditionalCheckFailedException ||
      (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
    ) {
      return undefined;
    }
    throw new BackendUnavailableError('dynamodb', error);
  }
}
