export type S3Sdk = typeof import('./s3-sdk.js');

let loading: Promise<S3Sdk> | undefined;

/** The S3 SDK (s3-sdk.ts), loaded by the first caller; later callers share that load. */
export function loadS3Sdk(): Promise<S3Sdk> {
  loading ??= import('./s3-sdk.js');
  return loading;
}
