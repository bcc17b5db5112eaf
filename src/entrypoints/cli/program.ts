import { Command, CommanderError } from 'commander';
import { ApiError } from './api-client.js';
import { DEFAULT_SERVER } from './context.js';
import { registerNotificationCommands } from './notification-commands.js';
import { registerOperatorCommands } from './operator-commands.js';
import { registerRecoverCommand } from './recover-command.js';
import { UsageError } from './send-input.js';

/** Exit codes scripts can test: 0 done, 1 the API refused or could not be reached, 2 a usage mistake. */
export const EXIT = { ok: 0, apiError: 1, usage: 2 } as const;

export function buildProgram(): Command {
  const program = new Command('herald')
    .description("Herald's command line: a client of its HTTP API")
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
      process.stderr.write(`herald: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof ApiError) {
      process.stderr.write(`herald: ${error.message}\n`);
      for (const issue of error.problem?.errors ?? []) process.stderr.write(`  ${issue.field}: ${issue.message}\n`);
      return EXIT.apiError;
    }
    throw error;
  }
}
