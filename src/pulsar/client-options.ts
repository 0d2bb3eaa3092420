// ClientOptions checked and completed once, when the client is created: every later step reads the
// normalised form and never re-validates. Errors name the option and show the value given.
import { readFileSync } from 'node:fs';
import type { TlsSettings } from './connection/transport.ts';
import { InvalidArgumentError } from './errors.ts';
import { parseServiceUrl, type ServiceUrl } from './lookup/service-url.ts';
import type { Authentication, ClientOptions } from './types.ts';
import { type Clock, type Logger, silentLogger, systemClock } from './util/index.ts';

export interface NormalizedClientOptions {
  serviceUrl: ServiceUrl;
  authentication: Authentication | undefined;
  /** Present exactly when the service URL is pulsar+ssl://. */
  tls: TlsSettings | undefined;
  operationTimeoutMs: number;
  connectionTimeoutMs: number;
  keepAliveIntervalMs: number;
  logger: Logger;
  clock: Clock;
}

export const CLIENT_DEFAULTS = {
  operationTimeoutMs: 30_000,
  connectionTimeoutMs: 10_000,
  keepAliveIntervalMs: 30_000,
  tlsAllowInsecureConnection: false,
  tlsValidateHostname: true,
} as const;

/** Validates and completes the options; throws InvalidArgumentError on the first bad one. */
export function normalizeClientOptions(options: ClientOptions): NormalizedClientOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(
      'options',
      `expected an object with a serviceUrl, got \`${String(options)}\``,
    );
  }
  const serviceUrl = parseServiceUrl(options.serviceUrl);
  const tlsAllowInsecure = booleanOption(options, 'tlsAllowInsecureConnection');
  const tlsValidateHostname = booleanOption(options, 'tlsValidateHostname');
  const caPath = options.tlsTrustCertsFilePath;
  if (caPath !== undefined && (typeof caPath !== 'string' || caPath.length === 0)) {
    throw new InvalidArgumentError(
      'tlsTrustCertsFilePath',
      `expected a file path, got \`${String(caPath)}\``,
    );
  }
  return {
    serviceUrl,
    authentication: authenticationOption(options.authentication),
    tls: serviceUrl.tls
      ? {
          ca: caPath === undefined ? undefined : readTrustedCerts(caPath),
          allowInsecureConnection: tlsAllowInsecure ?? CLIENT_DEFAULTS.tlsAllowInsecureConnection,
          validateHostname: tlsValidateHostname ?? CLIENT_DEFAULTS.tlsValidateHostname,
        }
      : undefined,
    operationTimeoutMs: durationOption(options, 'operationTimeoutMs'),
    connectionTimeoutMs: durationOption(options, 'connectionTimeoutMs'),
    keepAliveIntervalMs: durationOption(options, 'keepAliveIntervalMs'),
    logger: options.logger ?? silentLogger,
    clock: options.clock ?? systemClock,
  };
}

type DurationOption = 'operationTimeoutMs' | 'connectionTimeoutMs' | 'keepAliveIntervalMs';

function durationOption(options: ClientOptions, field: DurationOption): number {
  const value = options[field];
  if (value === undefined) return CLIENT_DEFAULTS[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(
      field,
      `expected a positive integer of milliseconds, got \`${String(value)}\``,
    );
  }
  return value;
}

function booleanOption(
  options: ClientOptions,
  field: 'tlsAllowInsecureConnection' | 'tlsValidateHostname',
): boolean | undefined {
  const value = options[field];
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidArgumentError(field, `expected true or false, got \`${String(value)}\``);
  }
  return value;
}

function authenticationOption(value: unknown): Authentication | undefined {
  if (value === undefined) return undefined;
  const auth = value as Partial<Authentication> | null;
  if (auth === null || typeof auth.methodName !== 'string' || typeof auth.getAuthData !== 'function') {
    throw new InvalidArgumentError(
      'authentication',
      `expected an Authentication such as AuthenticationToken.fromToken(…), got \`${String(value)}\``,
    );
  }
  return auth as Authentication;
}

function readTrustedCerts(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new InvalidArgumentError(
      'tlsTrustCertsFilePath',
      `cannot read \`${path}\`: ${(cause as Error).message}`,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new InvalidArgumentError('tlsTrustCertsFilePath', `\`${path}\` holds no PEM certificate`);
  }
  return pem;
}
