import type { Readable } from 'node:stream';

/** Calls `fn` with each complete line a stream delivers (a child's JSON log, for instance). */
export function onLines(stream: Readable, fn: (line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      fn(line);
    }
  });
}
