// Whether this run comments at all, and on which pull request.
import { InputError } from '../../core/errors.js';

export type CommentMode = 'auto' | 'always' | 'never';

const MODES: readonly CommentMode[] = ['auto', 'always', 'never'];

/** Reads the `comment` input; '' means the default, `auto`. */
export function parseCommentMode(value: string): CommentMode {
  const mode = value.trim().toLowerCase() || 'auto';
  if ((MODES as readonly string[]).includes(mode)) return mode as CommentMode;
  throw new InputError(
    `Input 'comment' must be one of auto, always, never; got '${value}'`,
    `Use 'auto' to comment on pull_request and pull_request_target runs only`,
  );
}

/** The part of the GitHub event this decision needs (satisfied by `@actions/github`'s context). */
export interface EventContext {
  eventName: string;
  payload: {
    pull_request?: { number?: unknown };
    issue?: { number?: unknown; pull_request?: unknown };
  };
}

export type CommentTarget =
  | { comment: true; pullNumber: number }
  | {
      comment: false;
      reason: string;
      /** Worth an info line rather than debug. */
      notable: boolean;
    };

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** The PR a payload is about: `pull_request.number`, or an issue that is a PR (issue_comment). */
function pullNumberOf(payload: EventContext['payload']): number | undefined {
  const fromPull = positiveInteger(payload.pull_request?.number);
  if (fromPull !== undefined) return fromPull;
  if (payload.issue?.pull_request) return positiveInteger(payload.issue.number);
  return undefined;
}

/**
 * `auto` comments on pull_request and pull_request_target runs; `always` on any run
 * whose event names a pull request (reviews, comments on a PR too); `never` never.
 */
export function resolveCommentTarget(mode: CommentMode, context: EventContext): CommentTarget {
  if (mode === 'never') {
    return { comment: false, reason: "PR comment off (comment: 'never').", notable: false };
  }
  const event = context.eventName || '(unknown event)';
  if (mode === 'auto' && !PULL_REQUEST_EVENTS.has(event)) {
    return {
      comment: false,
      reason: `No PR comment: '${event}' is not a pull_request or pull_request_target event.`,
      notable: false,
    };
  }
  const pullNumber = pullNumberOf(context.payload);
  if (pullNumber === undefined) {
    return {
      comment: false,
      reason:
        `No PR comment: the '${event}' event names no pull request to comment on ` +
        `(comment: '${mode}').`,
      notable: true,
    };
  }
  return { comment: true, pullNumber };
}
