// The configuration as the start log shows it: everything but secrets (a token file's path stays, its content
// was never read into the configuration).
import { REDACTED } from './problems.ts';
import type { BrokerConfig, FunctionRuntimeConfig } from './types.ts';

export type RedactedBrokerAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: typeof REDACTED }
  | { readonly kind: 'tokenFile'; readonly path: string };

export type RedactedConfig = Omit<FunctionRuntimeConfig, 'broker'> & {
  readonly broker: Omit<BrokerConfig, 'auth'> & { readonly auth: RedactedBrokerAuth };
};

export function redactedConfig(config: FunctionRuntimeConfig): RedactedConfig {
  const { auth } = config.broker;
  const redactedAuth: RedactedBrokerAuth = auth.kind === 'token' ? { kind: 'token', token: REDACTED } : auth;
  return { ...config, broker: { ...config.broker, auth: redactedAuth } };
}
