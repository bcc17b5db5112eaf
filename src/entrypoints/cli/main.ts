import { runCli } from './program.js';

// The exit code once stdout has drained: process.exit() right away could cut a long listing short.
process.exitCode = await runCli(process.argv);
