import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { VideoAgentError, type ErrorKind } from '../errors';
import { checkKey, isBodyPath, type ObjectBody, type ObjectListing, type ObjectStore, type PutOptions, type StoredObject } from './object-store';

export interface S3ObjectStoreOptions {
  bucket: string;
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Explicit keys (from AWS_*_FILE secrets); absent: the SDK default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** Objects in an S3-compatible bucket. Credentials: the given keys, else the SDK default chain (the environment). */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  readonly bucket: string;
  /** Named in errors instead of the full endpoint (which could carry userinfo). */
  readonly host: string;
  private readonly client: S3Client;

  constructor(options: S3ObjectStoreOptions) {
    const region = options.region ?? 'us-east-1';
    this.bucket = options.bucket;
    this.host = options.endpoint ? new URL(options.endpoint).host : `s3.${region}.amazonaws.com`;
    this.client = new S3Client({
      region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: 3,
      // Default checksums (CRC32 trailers) are refused by s3rver and some S3 clones.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: ObjectBody, options?: PutOptions): Promise<StoredObject> {
    checkKey(key);
    let size = 0;
    let stream: Buffer | Readable;
    if (Buffer.isBuffer(body)) {
      stream = body;
      size = body.length;
    } else {
      const src = isBodyPath(body) ? createReadStream(body.path) : body;
      src.on('data', (chunk: Buffer) => { size += chunk.length; });
      stream = src;
    }
    try {
      // Multipart above 5 MiB, 4 parts in flight; a failed upload aborts its parts.
      await new Upload({ client: this.client, params: { Bucket: this.bucket, Key: key, Body: stream, ContentType: options?.contentType }, partSize: 5 * 1024 * 1024, queueSize: 4 }).done();
    } catch (err) {
      throw this.wrap('put', key, err);
    }
    return { key, size, uri: `s3://${this.bucket}/${key}` };
  }

  async get(key: string): Promise<Buffer> {
    checkKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Buffer.from(await res.Body!.transformToByteArray());
    } catch (err) {
      throw this.wrap('get', key, err);
    }
  }

  async list(prefix = ''): Promise<ObjectListing[]> {
    const out: ObjectListing[] = [];
    let token: string | undefined;
    try {
      do {
        const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix || undefined, ContinuationToken: token }));
        for (const o of res.Contents ?? []) if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0 });
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw this.wrap('list', prefix, err);
    }
    return out;
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      throw this.wrap('delete', key, err);
    }
  }

  async url(key: string, options?: { expiresS?: number }): Promise<string> {
    checkKey(key);
    try {
      return await getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: options?.expiresS ?? 3600 });
    } catch (err) {
      throw this.wrap('url', key, err);
    }
  }

  close(): void {
    this.client.destroy();
  }

  /**
   * The SDK error is not kept as `cause`: its request metadata may carry signed URLs or headers. The message
   * names the operation, bucket, key and host, and the SDK's error name/code only.
   */
  private wrap(op: string, key: string, err: unknown): VideoAgentError {
    const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    const code = e.code ?? e.name ?? 'Error';
    let kind: ErrorKind = 'internal';
    if (['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN'].includes(code)) kind = 'unreachable';
    else if (code === 'NoSuchKey' || code === 'NotFound' || status === 404) kind = 'not_found';
    else if (status === 401 || status === 403 || ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'CredentialsProviderError'].includes(code)) kind = 'unauthorized';
    else if (status === 429 || code === 'SlowDown') kind = 'rate_limited';
    else if (status !== undefined && status >= 500) kind = 'remote_failure';
    else if (status !== undefined && status >= 400) kind = 'bad_input';
    const what = kind === 'not_found' ? 'E_OBJECT_NOT_FOUND' : 'E_OBJECT_STORE';
    return new VideoAgentError(what, `s3 ${op} ${this.bucket}/${key} at ${this.host} failed: ${code}${status ? ` (HTTP ${status})` : ''}`, { kind });
  }
}
