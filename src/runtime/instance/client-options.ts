// The Pulsar client's options from the configuration: service URL, token (inline or a file re-read on every
// connect), TLS trust. Pure.
import { AuthenticationToken, type ClientOptions, type Logger } from '../../pulsar/index.ts';
import type { BrokerConfig } from '../config/index.ts';

export function clientOptionsFor(broker: BrokerConfig, logger: Logger): ClientOptions {
  const { auth } = broker;
  const authentication =
    auth.kind === 'token'
      ? AuthenticationToken.fromToken(auth.token)
      : auth.kind === 'tokenFile'
        ? AuthenticationToken.fromFile(auth.path)
        : undefined;
  return {
    serviceUrl: broker.serviceUrl,
    ...(authentication === undefined ? {} : { authentication }),
    ...(broker.tlsTrustCertsFilePath === null ? {} : { tlsTrustCertsFilePath: broker.tlsTrustCertsFilePath }),
    tlsAllowInsecureConnection: broker.tlsAllowInsecureConnection,
    tlsValidateHostname: broker.tlsValidateHostname,
    logger,
  };
}
