// Logs when the subscription loses its broker connection and when it is back. The client reconnects by
// itself; its public interface exposes only `isConnected`, so that is polled (cheap) rather than hooked.
import type { Clock, Logger, Timer } from '../../pulsar/index.ts';

export function watchConnection(
  isConnected: () => boolean,
  options: { clock: Clock; logger: Logger; intervalMs?: number },
): Timer {
  let connected = true;
  let lostAt = 0;
  return options.clock.setInterval(() => {
    const now = isConnected();
    if (now === connected) return;
    connected = now;
    if (!now) {
      lostAt = options.clock.now();
      options.logger.warn({}, 'connection to the broker lost; the client is reconnecting');
    } else {
      options.logger.info({ downMs: options.clock.now() - lostAt }, 'connection to the broker recovered');
    }
  }, options.intervalMs ?? 1000);
}
