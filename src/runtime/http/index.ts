// The instance's HTTP port: /healthz, /readyz, /metrics, /status, /stats. Everything the runtime may import.
export {
  InstanceHealth,
  type InstanceHealthOptions,
  InstancePhase,
  ProbeReason,
  type ProbeResult,
  type ReadinessChecks,
} from './health.ts';
export {
  createObservabilityProvider,
  type ObservabilityProvider,
  type ObservabilityProviderParts,
} from './provider.ts';
export { type HttpResponse, ROUTES, type Route, route } from './routes.ts';
export {
  DEFAULT_HTTP_HOST,
  type ObservabilityServer,
  type ObservabilityServerOptions,
  startObservabilityServer,
} from './server.ts';
