import { createReadStream } from 'node:fs';
import { SketchBuilder, type ContentSketcher, type Sketch } from '../core/references/sketch.js';

/** Streams a file through the core's sketch (references/sketch.ts) in 1 MiB reads. */
export class FileSketcher implements ContentSketcher {
  async sketchFile(path: string): Promise<Sketch> {
    const builder = new SketchBuilder();
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
      builder.update(chunk as Buffer);
    }
    return builder.finish();
  }
}
