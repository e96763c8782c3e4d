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
