// Errors the shells show to people. Each says what went wrong and, where we know it,
// what to do about it, so the action can print `message` alone, without a stack trace.

export class DeltaGliderError extends Error {
  constructor(
    message: string,
    /** What the user can do about it; shown after the message. */
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Message plus hint, the form the action and the CLI print. */
  describe(): string {
    return this.hint ? `${this.message}. ${this.hint}` : this.message;
  }
}

/** Bad input from the user: a malformed URL, a missing file, an invalid option. */
export class InputError extends DeltaGliderError {}

/** The bucket does not hold what the request names. */
export class NotFoundError extends DeltaGliderError {}

/** Bytes that do not match the sha256 their metadata promises. */
export class IntegrityError extends DeltaGliderError {}

/** The message of any thrown value, for shells that must print something. */
export function describeError(error: unknown): string {
  if (error instanceof DeltaGliderError) return error.describe();
  if (error instanceof Error) return error.message;
  return String(error);
}
