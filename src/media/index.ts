/** Generated media for samples, tests and benchmarks (GStreamer + flite; nothing downloaded). */
export { generateClip, truncateFile, DEFAULT_SPEECH, DEFAULT_MEDIA_CACHE, type ClipOptions } from './generate-clip';
export { runTool } from './run-tool';
export { ensureSampleClip, SAMPLE_DIR } from './sample';
