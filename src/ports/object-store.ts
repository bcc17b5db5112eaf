/**
 * Texts by key, each written and read whole: where a store keeps what it cannot keep cheaply itself
 * (the DynamoDB store's large bodies, in S3). Failures surface as BackendUnavailableError.
 */
export interface ObjectStore {
  /** Writes `text` under `key`, replacing whatever was there. */
  put(key: string, text: string): Promise<void>;
  /**
   * The text under `key`. A key that holds nothing is a BackendUnavailableError too: callers only ask
   * for keys a record names, and such a key must exist.
   */
  get(key: string): Promise<string>;
}
