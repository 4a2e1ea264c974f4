import path from 'node:path';
import { z } from 'zod';
import { secretEnv } from '../config/secret-env';
import { VideoAgentError } from '../errors';
import { FsObjectStore } from './fs-object-store';
import type { ObjectStore } from './object-store';
import { S3ObjectStore } from './s3-object-store';

const Env = z.object({
  S3_BUCKET: z.string().min(1).optional(),
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false', '1', '0']).optional(),
});

/** S3 when S3_BUCKET is set, else files under <dataDir>/clips. Values are never echoed (an endpoint may hold userinfo). */
export function objectStoreFromEnv(env: NodeJS.ProcessEnv, options: { dataDir: string }): ObjectStore {
  const picked = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('S3_') && v !== ''));
  const parsed = Env.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const hint = name === 'S3_FORCE_PATH_STYLE' ? "expected 'true', 'false', '1' or '0'" : name === 'S3_ENDPOINT' ? 'expected a URL' : issue.message;
    throw new VideoAgentError('E_BAD_OBJECT_STORE_ENV', `invalid ${name}: ${hint}`, { kind: 'config' });
  }
  const v = parsed.data;
  if (!v.S3_BUCKET) return new FsObjectStore(path.join(options.dataDir, 'clips'));
  return new S3ObjectStore({ bucket: v.S3_BUCKET, endpoint: v.S3_ENDPOINT, region: v.S3_REGION, forcePathStyle: v.S3_FORCE_PATH_STYLE === 'true' || v.S3_FORCE_PATH_STYLE === '1', credentials: s3Credentials(env) });
}

/**
 * The standard AWS key variables, each also as <NAME>_FILE (which the SDK itself does not read). Only when a
 * file is used are the keys passed explicitly; otherwise the SDK's default chain (env, profile, IMDS) stays.
 */
function s3Credentials(env: NodeJS.ProcessEnv): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  const names = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;
  const [accessKeyId, secretAccessKey, sessionToken] = names.map((n) => secretEnv(n, env));
  if (!names.some((n) => env[`${n}_FILE`])) return undefined;
  if (!accessKeyId || !secretAccessKey) {
    throw new VideoAgentError('E_BAD_OBJECT_STORE_ENV', 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or their _FILE variants) must both be set', { kind: 'config' });
  }
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}
