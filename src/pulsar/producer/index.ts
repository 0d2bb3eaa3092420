// The producer: createProducer builds one partition producer per partition behind a router (or a single one
// for a non-partitioned topic).

export { producerDefaults, type ResolvedProducerOptions, resolveProducerOptions } from './options.ts';
export { PartitionProducer, ProducerState } from './partition-producer.ts';
export { createProducer, PartitionedProducer } from './producer.ts';
export { PartitionRouter, partitionForKey } from './router.ts';
