import { Command, CommanderError } from 'commander';
import packageJson from '../../../package.json' with { type: 'json' };
import { ApiError } from './api-client.js';
import { DEFAULT_SERVER } from './context.js';
import { registerNotificationCommands } from './notification-commands.js';
import { registerOperatorCommands } from './operator-commands.js';
import { printable } from './output.js';
import { registerRecoverCommand } from './recover-command.js';
import { UsageError } from './send-input.js';

/**
 * Exit codes scripts can test: 0 done, 1 the API refused, could not be reached or did not answer as
 * Herald does, 2 a usage mistake.
 */
export const EXIT = { ok: 0, apiError: 1, usage: 2 } as const;

export function buildProgram(): Command {
  const program = new Command('herald')
    .description("Herald's command line: a client of its HTTP API")
    .version(packageJson.version, '--version', "print the CLI's version")
    .option('--server <url>', `Herald's URL (env HERALD_URL, default ${DEFAULT_SERVER})`)
    .option('--api-key <key>', 'API key (env HERALD_API_KEY)')
    .option('--json', 'print JSON instead of tables')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
    });
  registerNotificationCommands(program);
  registerOperatorCommands(program);
  registerRecoverCommand(program);
  // Subcommands do not inherit the error handling: set it on each, so a bad flag anywhere is exit 2.
  const override = (command: Command) => {
    for (const sub of command.commands) override(sub.exitOverride().showHelpAfterError());
  };
  override(program);
  return program;
}

/** Runs the CLI on `argv` (as process.argv) and returns its exit code. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are asked for, not mistakes; commander already printed its message.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      printError(error.message);
      return EXIT.usage;
    }
    if (error instanceof ApiError) {
      printError(error.status === 401 ? `${error.message}. ${KEY_HINT}` : error.message);
      for (const issue of error.problem?.errors ?? [])
        process.stderr.write(`  ${printable(`${issue.field}: ${issue.message}`)}\n`);
      return EXIT.apiError;
    }
    // A fault of the CLI itself: still one line for the script reading stderr, not a stack trace.
    printError(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.apiError;
  }
}

const KEY_HINT = 'Pass the key in HERALD_API_KEY or with --api-key <key>';

/** One line on stderr; what Herald or a vendor wrote in it is escaped. */
function printError(message: string): void {
  process.stderr.write(`herald: ${printable(message)}\n`);
}
