export { openBus, type OpenBusOptions } from './openBus';
export { RedisBus, type RedisBusOptions } from './redisBus';
export { MemoryBus, type MemoryBusOptions } from './memoryBus';
export { TOPICS, REGISTRY_KEY, streamKey, parseStreamKey, leaseName, assertStreamId, type Topic } from './keys';
export { encodeFrame, decodeFrame, encodeAudio, decodeAudio, encodeJson, decodeJson, toDeliveryFields } from './messages';
export { BackendLeaseManager, MemoryLeaseBackend, type LeaseBackend } from './lease';
export type { Bus, BusFields, Delivery, Handler, BatchHandler, ConsumeOptions, Consumer, ConsumerStats, Lease, LeaseManager, LeaseOptions, PublishOptions } from './types';
export { consumeLeased, type LeasedConsumeOptions, type LeasedConsumer } from './leasedConsumer';
export { deleteKeysWithPrefix } from './purge';
