import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';

/** JSON lines on stdout; on a TTY pretty-printed when pino-pretty happens to be installed. */
export function createLogger(level = 'info'): Logger {
  if (process.stdout.isTTY) {
    try {
      createRequire(import.meta.url).resolve('pino-pretty');
      return pino({ level, transport: { target: 'pino-pretty', options: { destination: 1 } } });
    } catch {
      // not installed: JSON it is
    }
  }
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
}
