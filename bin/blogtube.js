#!/usr/bin/env node
// The `blogtube` command: the compiled CLI (built by `npm ci`/`npm run build`).
import { runCli } from '../dist/client/cli.js';

process.exitCode = await runCli(process.argv.slice(2));
