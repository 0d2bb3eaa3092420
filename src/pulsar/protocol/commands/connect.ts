// Connection handshake and authentication commands.
//
//   CONNECT        client_version, protocol_version, auth_method_name?, auth_data?, proxy_to_broker_url?,
//                  feature_flags → CONNECTED(server_version, protocol_version, max_message_size) | ERROR
//   AUTH_CHALLENGE (broker) → AUTH_RESPONSE(client_version, protocol_version, response{method, data})
import { create } from '@bufbuild/protobuf';
import { type BaseCommand, BaseCommand_Type, BaseCommandSchema } from '../generated/pulsar_api_pb.js';
import { CLIENT_VERSION, PROTOCOL_VERSION } from '../version.ts';

export interface FeatureFlagsInit {
  supportsAuthRefresh?: boolean;
  supportsBrokerEntryMetadata?: boolean;
  supportsPartialProducer?: boolean;
  supportsTopicWatchers?: boolean;
}

/**
 * What pf-bash offers (as Apache's Go client): it answers AUTH_CHALLENGE, and it accepts the 0x0e02 broker
 * entry metadata prefix on messages.
 */
export const DEFAULT_FEATURE_FLAGS: Readonly<FeatureFlagsInit> = {
  supportsAuthRefresh: true,
  supportsBrokerEntryMetadata: true,
};

export interface ConnectInit {
  /** Default CLIENT_VERSION. */
  clientVersion?: string;
  /** Default PROTOCOL_VERSION. */
  protocolVersion?: number;
  /** "token" for JWT; absent for no authentication. */
  authMethodName?: string;
  authData?: Uint8Array;
  /** `host:port` of the broker to reach through a proxy; only when connecting to a proxy. */
  proxyToBrokerUrl?: string;
  /** Default DEFAULT_FEATURE_FLAGS. */
  featureFlags?: FeatureFlagsInit;
}

export function connectCommand(init: ConnectInit = {}): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.CONNECT,
    connect: {
      clientVersion: init.clientVersion ?? CLIENT_VERSION,
      protocolVersion: init.protocolVersion ?? PROTOCOL_VERSION,
      authMethodName: init.authMethodName,
      authData: init.authData,
      proxyToBrokerUrl: init.proxyToBrokerUrl,
      featureFlags: init.featureFlags ?? DEFAULT_FEATURE_FLAGS,
    },
  });
}

export interface AuthResponseInit {
  authMethodName: string;
  authData: Uint8Array;
  /** Default CLIENT_VERSION. */
  clientVersion?: string;
  /** Default PROTOCOL_VERSION. */
  protocolVersion?: number;
}

/** Answer to AUTH_CHALLENGE with fresh credentials. */
export function authResponseCommand(init: AuthResponseInit): BaseCommand {
  return create(BaseCommandSchema, {
    type: BaseCommand_Type.AUTH_RESPONSE,
    authResponse: {
      clientVersion: init.clientVersion ?? CLIENT_VERSION,
      protocolVersion: init.protocolVersion ?? PROTOCOL_VERSION,
      response: { authMethodName: init.authMethodName, authData: init.authData },
    },
  });
}
