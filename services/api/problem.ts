import type { DependencyFailure } from '../../lib/dependency-failure.js';
import { type ErrorCode, problemType, statusOf, titleOf } from '../shared/errors.js';

export const problemContentType = 'application/problem+json; charset=utf-8';

/** An RFC 9457 body; `code` repeats the tail of `type` for easy switching. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  [extension: string]: unknown;
}

export function problemBody(code: ErrorCode, detail: string, extensions: Record<string, unknown> = {}): ProblemBody {
  return { ...extensions, type: problemType(code), title: titleOf(code), status: statusOf(code), detail, code };
}

/** A problem's code, detail and extensions, before it has a status: the catalogue gives that. */
export interface Problem {
  code: ErrorCode;
  detail: string;
  extensions: Record<string, unknown>;
}

/**
 * The one mapping of a dependency failure to a problem, shared by the
 * purchase flow and the problems plugin (every other route): a store that
 * answered too late is `contended` (the caller may retry at once), one that
 * did not answer or refused at once is `dependency_unavailable`, naming it.
 * Both are 503 with Retry-After.
 */
export function dependencyProblem(failure: DependencyFailure): Problem {
  if (failure.kind === 'timeout') return { code: 'contended', detail: `${failure.dependency} did not answer in time`, extensions: {} };
  return { code: 'dependency_unavailable', detail: `${failure.dependency}: ${failure.reason ?? 'did not answer'}`, extensions: { dependency: failure.dependency } };
}
