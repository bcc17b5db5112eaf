/**
 * The parts of the S3 SDK Herald uses, in a module of their own so that they are loaded on first use
 * (`loadS3Sdk`), not at start: evaluating the S3 client's module costs about 40 ms of CPU (its
 * operation schemas), which a cold start that never meets a large body should not pay. Named
 * imports keep the bundles tree-shaken; a dynamic import of the package itself would keep all of it.
 */
export { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
