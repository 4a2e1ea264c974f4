/**
 * The environment for the external tools we spawn (gst-launch-1.0, flite, sox, pocketsphinx): an allow-list,
 * so secrets of this process (RUNPOD_API_KEY, DATABASE_URL, S3 and VLM keys, VIDEO_AGENT_API_KEY) never
 * reach a child, its core dumps or its /proc/<pid>/environ.
 */
const NAMES = new Set(['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'TMP', 'TEMP', 'LD_LIBRARY_PATH', 'XDG_CACHE_HOME', 'XDG_RUNTIME_DIR', 'XDG_DATA_DIRS']);
/** Locale, GStreamer (plugin paths, registry, debug) and its ORC compiler. */
const PREFIXES = ['LC_', 'GST_', 'ORC_'];

export function childEnv(extra: Record<string, string> = {}, from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(from)) {
    if (v !== undefined && (NAMES.has(k) || PREFIXES.some((p) => k.startsWith(p)))) env[k] = v;
  }
  return { ...env, ...extra };
}
