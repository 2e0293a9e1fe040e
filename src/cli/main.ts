import { describeError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { CLI_HINTS } from './hints.js';
import type { Command } from './command.js';
import { cpCommand } from './cp.js';
import { doctorCommand } from './doctor.js';
import { lsCommand } from './ls.js';
import { terminalText, type Io } from './output.js';
import { pruneCommand } from './prune.js';
import { purgeCommand } from './purge.js';
import { rmCommand } from './rm.js';
import { statsCommand } from './stats.js';
import { syncCommand } from './sync.js';
import { migrateCommand } from './migrate.js';
import { verifyCommand } from './verify.js';

// The `deltaglider` command line: picks the command and turns any failure into one line
// on stderr and exit code 1. Tests call `main` in-process with their own Io.

export const COMMANDS: readonly Command[] = [
  cpCommand,
  lsCommand,
  rmCommand,
  syncCommand,
  migrateCommand,
  pruneCommand,
  verifyCommand,
  statsCommand,
  doctorCommand,
  purgeCommand,
];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: deltaglider COMMAND [options] ARGS

Stores files in S3 as xdelta3 deltas against a reference (the DeltaGlider v6 format,
readable by the DeltaGlider CLI and the deltaglider/action GitHub Action).

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "deltaglider COMMAND --help" for a command's options and examples.
Credentials come from the AWS environment (variables, profiles, SSO, roles).
`;
}

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    // `deltaglider help cp` as well as `deltaglider cp --help`.
    const command = COMMANDS.find((c) => c.name === rest[0]);
    if (command) io.out(command.help);
    else if (name === undefined) io.err(usage());
    else io.out(usage());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-V') {
    io.out(`deltaglider ${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`deltaglider: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    io.err(`deltaglider: ${terminalText(describeError(error, CLI_HINTS))}\n`);
    if (rest.includes('--debug') && error instanceof Error && error.stack)
      io.err(`${error.stack}\n`);
    return 1;
  }
}

/** The real process's streams and environment. */
export function processIo(): Io {
  // `deltaglider ls | head`: a closed pipe ends the program quietly, not with a stack.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTty: Boolean(process.stderr.isTTY),
    columns: process.stderr.columns,
    stdinIsTty: Boolean(process.stdin.isTTY),
    env: process.env,
  };
}
