/** How the long-running commands (agent, collector) end: on SIGTERM or SIGINT, once `stop` has finished. */
import type { Logger } from '../agent/log.js';

export function stoppedBySignal(log: Logger, stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      log.info('shutting down', { signal });
      void stop().then(resolve);
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
}
