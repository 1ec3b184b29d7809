import type { Command } from 'commander';
import { registerApply } from './apply.js';
import { registerBench } from './bench.js';
import { registerCheck } from './check.js';
import { registerCompile } from './compile.js';
import { registerDemo } from './demo.js';
import { registerConfirm } from './confirm.js';
import { registerDaemon } from './daemon.js';
import { registerLocalnet } from './localnet.js';
import { registerSimulate } from './simulate.js';
import { registerStatus } from './status.js';
import { registerStop } from './stop.js';
import { registerTop } from './top.js';

/** Each verb lives in its own file and registers itself; `setExit` records the exit code. */
export type Register = (program: Command, setExit: (code: number) => void) => void;

export const commands: Register[] = [registerCheck, registerCompile, registerSimulate, registerLocalnet, registerBench, registerApply, registerStop, registerConfirm, registerDaemon, registerStatus, registerDemo, registerTop];
