// Entry point of the post step: all logic lives in action/post.ts.
import { runPost } from './action/post.js';

await runPost();
