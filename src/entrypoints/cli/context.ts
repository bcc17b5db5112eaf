import type { Command } from 'commander';
import { ApiClient } from './api-client.js';
import { type Output, terminalOutput } from './output.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:3000';

/** What every command needs, from the global options and the environment (flags win). */
export interface CliContext {
  api: ApiClient;
  output: Output;
}

export interface GlobalOptions {
  server?: string;
  apiKey?: string;
  json?: boolean;
}

export function contextOf(command: Command, env: NodeJS.ProcessEnv = process.env): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const apiKey = options.apiKey ?? env.HERALD_API_KEY;
  return {
    api: new ApiClient({ baseUrl: options.server ?? env.HERALD_URL ?? DEFAULT_SERVER, ...(apiKey ? { apiKey } : {}) }),
    output: terminalOutput(options.json === true),
  };
}
