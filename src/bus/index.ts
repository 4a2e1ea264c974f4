export { openBus, type OpenBusOptions } from './open-bus';
export { RedisBus, type RedisBusOptions } from './redis-bus';
export { MemoryBus, type MemoryBusOptions } from './memory-bus';
export { TOPICS, TOPIC_KEY_PREFIX, REGISTRY_KEY, streamKey, parseStreamKey, leaseName, assertStreamId, type Topic } from './keys';
export { toDeliveryFields } from './fields';
export { BackendLeaseManager, MemoryLeaseBackend, type LeaseBackend } from './lease';
export type { Bus, BusFields, Delivery, Handler, BatchHandler, ConsumeOptions, Consumer, ConsumerStats, Lease, LeaseManager, LeaseOptions, PublishOptions } from './types';
export { consumeLeased, type LeasedConsumeOptions, type LeasedConsumer } from './leased-consumer';
export { deleteKeysWithPrefix } from './purge';
