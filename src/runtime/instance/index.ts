// One function instance, wired and run.
export { clientOptionsFor } from './client-options.ts';
export { watchConnection } from './connection-watch.ts';
export { Instance, type InstanceOptions } from './instance.ts';
export { type PartitionHandoverOptions, partitionHandover } from './partition-handover.ts';
export { processorMetricsOf } from './processor-metrics.ts';
