import type { Command } from 'commander';
import { registerBench } from './bench.js';
import { registerCheck } from './check.js';
import { registerCompile } from './compile.js';
import { registerLocalnet } from './localnet.js';
import { registerSimulate } from './simulate.js';

/** Each verb lives in its own file and registers itself; `setExit` records the exit code. */
export type Register = (program: Command, setExit: (code: number) => void) => void;

export const commands: Register[] = [registerCheck, registerCompile, registerSimulate, registerLocalnet, registerBench];
