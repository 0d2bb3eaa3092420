// Kubernetes manifests for a function: pure functions from a FunctionDeployment to objects, and YAML rendering.
export {
  DEPLOYMENT_DEFAULTS,
  type FunctionDeployment,
  FunctionDeploymentError,
  ImagePullPolicy,
  MANAGED_ENV,
  type ResolvedDeployment,
  type ResourceQuantities,
  resolveDeployment,
  type SecretKeyRef,
  TokenDelivery,
} from './deployment.ts';
export {
  EXAMPLE_DEPLOYMENTS,
  EXAMPLE_IMAGE_TAG,
  EXAMPLE_SERVICE_URL,
  EXAMPLE_TOKEN_SECRET,
  exampleManifestFiles,
  type ManifestFile,
} from './examples.ts';
export {
  CONTAINER_NAME,
  FUNCTION_UID,
  type FunctionManifests,
  functionManifests,
  HTTP_PORT_NAME,
  manifestList,
  OWN_LABEL_KEYS,
  SHUTDOWN_MARGIN_SECONDS,
  TOKEN_FILE,
  TOKEN_MOUNT_PATH,
  terminationGracePeriodSeconds,
} from './manifests.ts';
export {
  DNS_1035_LABEL,
  DNS_1123_LABEL,
  DNS_1123_SUBDOMAIN,
  functionObjectName,
  LABEL_VALUE,
  labelValue,
  MAX_LABEL_VALUE_LENGTH,
  MAX_OBJECT_NAME_LENGTH,
} from './names.ts';
export { type RenderOptions, renderManifests } from './render.ts';
