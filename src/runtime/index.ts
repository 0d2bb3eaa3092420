// The function runtime: configuration, executor, topic manager, delivery path, observability, one instance.
// The CLI imports from here.
export { Instance, type InstanceOptions } from './instance/index.ts';
export {
  onTerminationSignals,
  type ShutdownOptions,
  type ShutdownPlan,
  type ShutdownReport,
  type SignalSource,
  shutdown,
} from './shutdown.ts';
