// Entry point of the main step: all logic lives in action/main.ts, which tests drive.
import { run } from './action/main.js';

await run();
