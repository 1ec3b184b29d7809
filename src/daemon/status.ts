/** What `fwctl status` gets over the control socket (JSON). */
export interface DaemonStatus {
  running: true;
  pid: number;
  backend: 'nft';
  configDir: string;
  stateDir: string;
  /** Unix ms. */
  startedAt: number;
  /** The last apply attempt succeeded and the tree is readable (what /healthz reports). */
  healthy: boolean;
  generation: number;
  lastApply: {
    at: number;
    ok: boolean;
    durationMs: number;
    mode?: 'full' | 'incremental' | 'noop';
    changed?: string[];
    error?: { kind: string; code: string; message: string };
  } | null;
  lastSuccessAt: number | null;
  /** A change was seen and is not applied yet (or an apply is running). */
  pending: boolean;
  tree: { available: boolean; error?: string };
  stateError: string | null;
  diagnosticCounts: { error: number; warning: number; info: number };
  /** `file:line:col: severity code: message`, at most 200. */
  diagnostics: string[];
}

/** `fwctl status` exit codes. */
export const STATUS_EXIT = {
  /** running, last apply succeeded, tree readable */
  ok: 0,
  /** running but degraded: last apply failed, tree unreadable, or the state dir unwritable */
  degraded: 1,
  usage: 2,
  /** not running (no answer on the socket), as LSB `status` */
  stopped: 3,
} as const;
