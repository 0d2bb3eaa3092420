// Fields never written to any log, whatever object they sit in (up to four levels deep): pino replaces their
// values with `<redacted>`, as the configuration's problem lines do.

const SECRET_KEYS = ['token', 'password', 'secret', 'secrets', 'authorization', 'authData', 'PF_AUTH_TOKEN'];

function atAnyDepth(key: string): string[] {
  return [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`];
}

/** pino `redact` paths for the known secret fields (e.g. `config.broker.auth.token`, `headers.authorization`). */
export const DEFAULT_REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap(atAnyDepth);
