// One function instance, wired and run.
export { clientOptionsFor } from './client-options.ts';
export { watchConnection } from './connection-watch.ts';
export { Instance, type InstanceOptions } from './instance.ts';
export { processorMetricsOf } from './processor-metrics.ts';
