import {
  expectPositionals,
  GLOBAL_OPTIONS_HELP,
  parseCommandArgs,
  type GlobalOptions,
  type OptionSpecs,
} from './args.js';
import type { Io } from './output.js';
import { openSession, type Session } from './session.js';

// The shape every command shares: parse its arguments, answer --help, run.

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full --help text. */
  help: string;
  /** Parses the arguments (after the command name) and runs; resolves to the exit code. */
  run(args: readonly string[], io: Io): Promise<number>;
}

export interface CommandContext<Own> {
  global: GlobalOptions;
  own: Own;
  positionals: string[];
  io: Io;
}

type Values = Parameters<Parameters<typeof parseCommandArgs>[3]>[0];

export interface CommandSpec<Own> {
  name: string;
  summary: string;
  usage: string[];
  description: string;
  /** The command's own options, and their help lines. */
  options?: OptionSpecs;
  optionsHelp?: string;
  readOwn?: (values: Values) => Own;
  positionals: { min: number; max: number; what: string };
  examples: string[];
  run(context: CommandContext<Own>): Promise<number>;
}

export function defineCommand<Own = Record<string, never>>(spec: CommandSpec<Own>): Command {
  const help = [
    `Usage: ${spec.usage.map((u, i) => (i === 0 ? u : `       ${u}`)).join('\n')}`,
    spec.description,
    spec.optionsHelp ? `Options:\n${spec.optionsHelp}` : undefined,
    `Examples:\n${spec.examples.map((e) => `  ${e}`).join('\n')}`,
    GLOBAL_OPTIONS_HELP,
  ]
    .filter((part) => part !== undefined)
    .join('\n\n');
  return {
    name: spec.name,
    summary: spec.summary,
    help: `${help}\n`,
    async run(args, io) {
      const parsed = parseCommandArgs(
        spec.name,
        args,
        spec.options ?? {},
        spec.readOwn ?? (() => ({}) as Own),
        io.env,
      );
      if (parsed.global.help) {
        io.out(`${help}\n`);
        return 0;
      }
      const { min, max, what } = spec.positionals;
      expectPositionals(spec.name, parsed.positionals, min, max, what);
      return spec.run({ ...parsed, io });
    },
  };
}

/** Runs `work` on a fresh session and always closes it. */
export async function withSession<T>(
  context: CommandContext<unknown>,
  work: (session: Session) => Promise<T>,
): Promise<T> {
  const session = openSession(context.io, context.global);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}
