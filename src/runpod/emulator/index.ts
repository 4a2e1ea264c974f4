export { RunpodEmulator } from './server';
export { EmulatedEndpoint, type EndpointStats } from './endpoint';
export { StubModel, itemCount, wavDurationS, type StubTiming, type StubChunk } from './stub-model';
export { resolveEmulatorConfig, loadEmulatorConfigFile, parseFaults, BACKEND_NAMES, type BackendName, type EmulatorConfig, type EmulatorConfigInput, type FaultsConfig, type FaultsConfigInput, type EndpointConfigInput } from './config';
export { isLoopback, assertLoopback } from './loopback';
export type { JobStatus, JobView, StreamView } from './jobs';
