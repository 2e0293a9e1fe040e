#!/usr/bin/env node
// Entry point of the `deltaglider` command: all logic lives in cli/main.ts, which tests drive.
import { cleanUpOnSignals } from '../adapters/cleanup.js';
import { main, processIo } from './main.js';
import { cliCleanup } from './session.js';

// Ctrl-C or a kill: partial downloads and scratch files go, and the exit status is 130/143.
cleanUpOnSignals(cliCleanup, (signal) =>
  process.stderr.write(`\ndeltaglider: interrupted (${signal})\n`),
);
process.exitCode = await main(process.argv.slice(2), processIo());
