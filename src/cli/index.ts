#!/usr/bin/env node
// Entry point of the `deltaglider` command: all logic lives in cli/main.ts, which tests drive.
import { main, processIo } from './main.js';

process.exitCode = await main(process.argv.slice(2), processIo());
