export * from './object-store';
export { FsObjectStore } from './fs-object-store';
export { S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store';
export { objectStoreFromEnv } from './from-env';
