// Rendering of configuration problems: one line each, `SETTING=value: what is expected`.
import type { ConfigProblem } from './types.ts';

/** Shown in place of a secret. */
export const REDACTED = '<redacted>';

/** Longer values are cut, so that a stray file content or JSON blob keeps its problem on one readable line. */
const MAX_SHOWN_CHARS = 120;

/** A value as it appears in a problem line: JSON-quoted when empty or holding spaces, quotes or control chars. */
export function showValue(value: string): string {
  const cut = value.length > MAX_SHOWN_CHARS ? `${value.slice(0, MAX_SHOWN_CHARS)}…` : value;
  return cut === '' || /[\s"\p{Cc}]/u.test(cut) ? JSON.stringify(cut) : cut;
}

export function formatProblem(problem: ConfigProblem): string {
  const head =
    problem.value === undefined ? problem.setting : `${problem.setting}=${showValue(problem.value)}`;
  return `${head}: ${problem.message}`;
}

/** One line per problem, in the order found. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map(formatProblem).join('\n');
}
