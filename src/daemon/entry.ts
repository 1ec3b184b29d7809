/** The CLI entry when running from source: `node --import tsx src/daemon/entry.ts <verb> …` (tests, bench). */
import { main } from '../cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fwctl: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 70;
  },
);
