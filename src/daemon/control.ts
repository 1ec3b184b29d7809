import { unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';

/** One request per connection: a JSON line in, a JSON line out. */
export type ControlRequest = { cmd: 'status' } | { cmd: 'reload' };

export function socketPath(stateDir: string): string {
  return join(stateDir, 'fwctl.sock');
}

export class ControlError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/** Sends one request; rejects with ControlError (ENOENT/ECONNREFUSED: no daemon, ETIMEDOUT). */
export function request(path: string, req: ControlRequest, timeoutMs = 3000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new ControlError('ETIMEDOUT', `no answer from ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      sock.end();
      try {
        resolve(JSON.parse(buf.slice(0, nl)));
      } catch {
        reject(new ControlError('EPROTO', `bad answer from ${path}`));
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ControlError(e.code ?? 'EIO', `cannot reach ${path}: ${e.message}`));
    });
  });
}

/** true when a daemon answers on `path`. */
export async function daemonRunning(path: string): Promise<boolean> {
  try {
    await request(path, { cmd: 'status' }, 1000);
    return true;
  } catch {
    return false;
  }
}

export interface ControlServer {
  close(): void;
}

/**
 * Listens on `path` (mode 0600). A stale socket from a dead daemon is replaced; a live one means
 * another daemon runs: ControlError EADDRINUSE.
 */
export async function serveControl(path: string, handle: (req: ControlRequest) => unknown): Promise<ControlServer> {
  if (await daemonRunning(path)) throw new ControlError('EADDRINUSE', `another fwctl daemon answers on ${path}`);
  try {
    unlinkSync(path);
  } catch {
    // absent is fine
  }
  const server: Server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => undefined);
    sock.on('data', (d: string) => {
      buf += d;
      if (buf.length > 4096) return void sock.destroy();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let reply: unknown;
      try {
        const req = JSON.parse(buf.slice(0, nl)) as ControlRequest;
        reply = req.cmd === 'status' || req.cmd === 'reload' ? handle(req) : { error: 'unknown command' };
      } catch {
        reply = { error: 'bad request' };
      }
      sock.end(`${JSON.stringify(reply)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    const prev = process.umask(0o177);
    server.once('error', (e: NodeJS.ErrnoException) => {
      process.umask(prev);
      reject(new ControlError(e.code ?? 'EIO', `cannot listen on ${path}: ${e.message}`));
    });
    server.listen(path, () => {
      process.umask(prev);
      resolve();
    });
  });
  server.unref();
  return {
    close: () => {
      server.close();
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
