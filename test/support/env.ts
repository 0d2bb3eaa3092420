// What integration tests need from their surroundings, read once from the variables scripts/services.sh sets.
import { randomBytes } from 'node:crypto';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(
      `${name} is not set: run integration tests through scripts/test.sh (npm test), which starts the services`,
    );
  }
  return value;
}

export const testEnv = {
  get serviceUrl(): string {
    return required('PULSAR_SERVICE_URL');
  },
  get adminUrl(): string {
    return required('PULSAR_ADMIN_URL');
  },
  get python(): string {
    return required('PF_PYTHON');
  },
  get root(): string {
    return required('PF_ROOT');
  },
  get baseImage(): string {
    return required('PF_BASE_IMAGE');
  },
};

/** A topic name no other test run uses: `persistent://public/default/<prefix>-<random>`. */
export function uniqueTopic(prefix: string): string {
  return `persistent://public/default/${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Waits until `check` returns a truthy value, polling every `intervalMs`; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  { timeoutMs = 60_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
