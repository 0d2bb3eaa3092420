// Parsers for setting values given as text (environment variables, and FunctionConfig scalars turned to text).
// Each returns the value or what was expected, for the problem line.

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly expected: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const expected = <T>(what: string): Parsed<T> => ({ ok: false, expected: what });

/** `true`/`false`, also `1`/`0`, any case. */
export function parseBoolean(text: string): Parsed<boolean> {
  const lower = text.toLowerCase();
  if (lower === 'true' || lower === '1') return ok(true);
  if (lower === 'false' || lower === '0') return ok(false);
  return expected('expected true or false');
}

/** A decimal integer ≥ min and ≤ max (when given). */
export function parseInteger(text: string, min: number, max?: number): Parsed<number> {
  const value = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  const inRange = Number.isSafeInteger(value) && value >= min && (max === undefined || value <= max);
  if (inRange) return ok(value);
  if (max !== undefined) return expected(`expected an integer from ${min} to ${max}`);
  if (min === 1) return expected('expected a positive integer');
  if (min === 0) return expected('expected a non-negative integer');
  return expected(`expected an integer ≥ ${min}`);
}

/** Comparison key of enum names: any case, `_` and `-` ignored (`key_shared` = `KeyShared`). */
const enumKey = (text: string): string => text.toLowerCase().replaceAll(/[-_]/g, '');

/** One of `choices` (shown to the user as `labels`, which default to the choices themselves). */
export function parseEnum<T extends string>(
  text: string,
  choices: readonly T[],
  labels: readonly string[] = choices,
): Parsed<T> {
  const found = choices.find((choice) => enumKey(choice) === enumKey(text));
  return found === undefined ? expected(`expected ${oneOf(labels)}`) : ok(found);
}

/** `A`, `A or B`, `A, B or C`. */
export function oneOf(labels: readonly string[]): string {
  return labels.length <= 1
    ? (labels[0] ?? '')
    : `${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1]}`;
}

/** A JSON object (not an array, not null). */
export function parseJsonObject(text: string): Parsed<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return expected('expected a JSON object');
  }
  return isPlainObject(value) ? ok(value) : expected('expected a JSON object');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Items of a comma list, trimmed; empty items (a trailing comma) are dropped. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
