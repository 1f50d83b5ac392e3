// Process entry of the `pos-bridge` command (bin/pos-bridge.js loads the compiled copy).
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv.slice(2));
