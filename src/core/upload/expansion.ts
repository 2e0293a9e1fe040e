import type { LocalFilesPort } from '../../ports.js';

/** A file's expanded form: written to `path` by `codec`, with its own hash and size. */
export interface ExpandedFile {
  path: string;
  codec: string;
  sha256: string;
  size: number;
}

/** Work on a written expanded form while the codec proves it (ExpandOptions). */
export type WhileProving = (expandedPath: string) => Promise<void>;

// A file's expanded form is made on first use, not up front: expanding recompresses the
// whole content to prove the recipe (seconds on a 10 MB .tgz), and only a delta against
// an existing reference needs it. The upload that creates a reference stores the file raw
// (a reference is read through its view, which needs no recipe), so it never pays.

export class Expansion {
  private made?: Promise<ExpandedFile | undefined>;

  constructor(
    private readonly make: (whileProving?: WhileProving) => Promise<ExpandedFile | undefined>,
    private readonly files: Pick<LocalFilesPort, 'remove'>,
  ) {}

  /**
   * The expanded form (made once), or undefined when no recipe reproduces the file. The
   * call that starts it may give work to run on the written form while it is proven.
   */
  get(whileProving?: WhileProving): Promise<ExpandedFile | undefined> {
    if (!this.made) {
      this.made = this.make(whileProving);
      // Started ahead of its first reader (beside the reference's download): a failure
      // reaches whoever awaits it, not the process's unhandled-rejection hook.
      this.made.catch(() => undefined);
    }
    return this.made;
  }

  /** Removes the expanded form, if one was made, once its making is over. */
  async dispose(): Promise<void> {
    const made = await this.made?.catch(() => undefined);
    if (made) await this.files.remove(made.path);
  }
}
