import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NftError, errnoFromStderr } from './errors.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs a program (optionally inside a named network namespace). Never throws for a non-zero exit. */
export interface Exec {
  run(cmd: string, args: string[], stdin?: string): Promise<ExecResult>;
}

export interface SpawnExecOptions {
  /** Run inside `ip netns exec <netns>`. */
  netns?: string;
}

export class SpawnExec implements Exec {
  constructor(private readonly opts: SpawnExecOptions = {}) {}

  get netns(): string | undefined {
    return this.opts.netns;
  }

  run(cmd: string, args: string[], stdin?: string): Promise<ExecResult> {
    const [file, argv] = this.opts.netns ? ['ip', ['netns', 'exec', this.opts.netns, cmd, ...args]] : [cmd, args];
    return new Promise((resolve, reject) => {
      const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e: NodeJS.ErrnoException) => reject(new NftError('E_NFT_SPAWN', -1, e.message, e.code)));
      child.on('close', (code) =>
        resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode: code ?? -1 }),
      );
      child.stdin.on('error', () => undefined); // EPIPE when nft exits early; the exit code tells
      child.stdin.end(stdin ?? '');
    });
  }
}

/**
 * Runs `nft` with the given arguments; a non-zero exit becomes a typed NftError. `input` is passed
 * as a private temporary file in place of the `-` argument: nft opens /dev/stdin by path, which
 * fails when stdin is a socket (as Node's pipes are).
 */
export async function runNft(exec: Exec, args: string[], input?: string, code: NftError['code'] = 'E_NFT_EXIT'): Promise<string> {
  if (input === undefined) return check(await exec.run('nft', args), code);
  const dir = await mkdtemp(join(tmpdir(), 'fwctl-nft-'));
  try {
    const file = join(dir, 'input');
    await writeFile(file, input, { mode: 0o600 });
    return check(await exec.run('nft', args.map((a) => (a === '-' ? file : a))), code);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function check(r: ExecResult, code: NftError['code']): string {
  if (r.exitCode !== 0) throw new NftError(code, r.exitCode, r.stderr, errnoFromStderr(r.stderr));
  return r.stdout;
}
