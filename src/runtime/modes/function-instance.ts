// What the script sees of its function instance (PF_TENANT, PF_USER_CONFIG, …), from the configuration; the
// same for both modes.
import type { FunctionRuntimeConfig } from '../config/index.ts';
import type { FunctionInstance } from '../function-executor/index.ts';

export function functionInstanceOf(config: FunctionRuntimeConfig): FunctionInstance {
  return {
    tenant: config.function.tenant,
    namespace: config.function.namespace,
    name: config.function.name,
    instanceId: config.function.instanceId,
    numInstances: config.function.numInstances,
    inputTopics: config.input.topics,
    topicsPattern: config.input.topicsPattern,
    outputTopic: config.output.topic,
    userConfig: config.userConfig,
  };
}
