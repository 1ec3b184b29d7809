import type { Command } from 'commander';

/** Each verb lives in its own file and registers itself; `setExit` records the exit code. */
export type Register = (program: Command, setExit: (code: number) => void) => void;

export const commands: Register[] = [];
