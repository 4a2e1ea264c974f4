export { RunpodEmulator } from './server';
export { EmulatedEndpoint, type EndpointStats } from './endpoint';
export { StubModel, itemCount, wavDurationS, type StubTiming } from './stub-model';
export { resolveEmulatorConfig, loadEmulatorConfigFile, parseFaults, type EmulatorConfig, type EmulatorConfigInput, type FaultsConfig, type FaultsConfigInput, type EndpointConfigInput } from './config';
export { isLoopback, assertLoopback } from './loopback';
export type { JobStatus, JobView } from './jobs';
