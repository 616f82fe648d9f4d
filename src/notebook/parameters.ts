import { OptionError } from '../core/errors';

/**
 * A notebook's parameters cell: one `parameters({...})` call that checks every value where it is typed (type and
 * range, then the experiment's own validation if one is given) and prints the configuration that will run.
 *
 *   const config = parameters({
 *     trials: int(12, { min: 1 }),
 *     bandwidth: num(1, { above: 0, note: "L" }),
 *     target: oneOf("code", ["code", "page"]),
 *   }, { check: scalingConfig });
 *
 * A wrong value fails this cell with one line per problem ("bandwidth = -1: must be > 0 (L)"); a value of the wrong
 * type is already a compile error in this cell ("Argument of type 'string' is not assignable to ... 'number'").
 */

/** One declared parameter: its value, how to check it, and a note printed beside it. */
export interface Param<T> {
  readonly value: T;
  readonly note?: string;
  /** The problem with the value, or undefined when it is fine. */
  readonly problem: (value: unknown) => string | undefined;
}

export interface NumberRange {
  min?: number;
  max?: number;
  /** Strictly greater than. */
  above?: number;
  /** Strictly less than. */
  below?: number;
  note?: string;
}

function rangeProblem(v: number, r: NumberRange): string | undefined {
  if (r.min !== undefined && v < r.min) return `must be >= ${r.min}`;
  if (r.max !== undefined && v > r.max) return `must be <= ${r.max}`;
  if (r.above !== undefined && !(v > r.above)) return `must be > ${r.above}`;
  if (r.below !== undefined && !(v < r.below)) return `must be < ${r.below}`;
  return undefined;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${JSON.stringify(v)}` : `a ${typeof v}`;
}

/** A finite number in a range. */
export function num(value: number, range: NumberRange = {}): Param<number> {
  return {
    value,
    note: range.note,
    problem: (v) =>
      typeof v !== 'number' || !Number.isFinite(v)
        ? `must be a finite number, not ${typeName(v)}`
        : rangeProblem(v, range),
  };
}

/** An integer in a range. */
export function int(value: number, range: NumberRange = {}): Param<number> {
  return {
    value,
    note: range.note,
    problem: (v) =>
      typeof v !== 'number' || !Number.isInteger(v)
        ? `must be an integer, not ${typeof v === 'number' ? v : typeName(v)}`
        : rangeProblem(v, range),
  };
}

/** A list of integers, each in the range; `increasing` requires strictly increasing values. */
export function ints(
  value: number[],
  range: NumberRange & { increasing?: boolean; nonEmpty?: boolean } = {},
): Param<number[]> {
  return {
    value,
    note: range.note,
    problem: (v) => {
      if (!Array.isArray(v)) return `must be a list of integers, not ${typeName(v)}`;
      if (range.nonEmpty !== false && v.length === 0) return 'must not be empty';
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (typeof x !== 'number' || !Number.isInteger(x)) return `entry ${i} (${String(x)}) must be an integer`;
        const p = rangeProblem(x, range);
        if (p !== undefined) return `entry ${i} (${x}) ${p}`;
        if (range.increasing && i > 0 && !(x > v[i - 1])) return `must increase: entry ${i} (${x}) follows ${v[i - 1]}`;
      }
      return undefined;
    },
  };
}

/** One of a few strings. */
export function oneOf<const T extends string>(value: T, choices: readonly T[], note?: string): Param<T> {
  return {
    value,
    note,
    problem: (v) =>
      (choices as readonly unknown[]).includes(v)
        ? undefined
        : `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, not ${JSON.stringify(v)}`,
  };
}

/** true or false. */
export function flag(value: boolean, note?: string): Param<boolean> {
  return {
    value,
    note,
    problem: (v) => (typeof v === 'boolean' ? undefined : `must be true or false, not ${typeName(v)}`),
  };
}

/** A string, or null where `nullable` (e.g. "no file: use the built-in corpus"). */
export function text(value: string, options?: { note?: string }): Param<string>;
export function text(value: string | null, options: { nullable: true; note?: string }): Param<string | null>;
export function text(value: string | null, options: { nullable?: boolean; note?: string } = {}): Param<string | null> {
  return {
    value,
    note: options.note,
    problem: (v) =>
      typeof v === 'string' || (options.nullable === true && v === null)
        ? undefined
        : `must be a string${options.nullable ? ' or null' : ''}, not ${typeName(v)}`,
  };
}

export type ParamSpec = { [name: string]: Param<unknown> };
export type ParamValues<S extends ParamSpec> = { [K in keyof S]: S[K] extends Param<infer T> ? T : never };

function isParam(x: unknown): x is Param<unknown> {
  return (
    x !== null &&
    typeof x === 'object' &&
    'problem' in x &&
    typeof (x as { problem: unknown }).problem === 'function' &&
    'value' in x
  );
}

const SHOW_ENTRIES = 8;

/** A value as printed in the configuration: long lists shortened, numbers as typed. */
export function formatValue(v: unknown): string {
  if (Array.isArray(v)) {
    const items = v.map(formatValue);
    return items.length <= SHOW_ENTRIES
      ? `[${items.join(', ')}]`
      : `[${items.slice(0, 3).join(', ')}, ..., ${items.slice(-2).join(', ')}] (${items.length} values)`;
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (v !== null && typeof v === 'object') {
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${k}: ${formatValue(x)}`)
      .join(', ')} }`;
  }
  return String(v);
}

function printConfiguration(
  title: string,
  values: { [name: string]: unknown },
  notes: { [name: string]: string | undefined },
  declared: Set<string>,
): void {
  const names = Object.keys(values);
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((name) => {
    const note = notes[name];
    const mark = declared.has(name) ? ' ' : '·';
    return `${mark} ${name.padEnd(width)} = ${formatValue(values[name])}${note ? `   (${note})` : ''}`;
  });
  const legend = names.some((n) => !declared.has(n)) ? '\n(· = the default, not set in this cell)' : '';
  console.log(`${title}:\n${lines.join('\n')}${legend}`);
}

export interface ParametersOptions<V, R> {
  /**
   * The experiment's own validation, e.g. `scalingConfig`: run here so that what it rejects (an unknown name, values
   * that do not fit together) fails this cell. Its result, the full configuration, is what parameters() returns
   * and prints.
   */
  check?: (values: V) => R;
  /** The heading printed above the values (default "parameters"). */
  title?: string;
}

/** Checks every parameter, prints the configuration that will run and returns it (see the module comment). */
export function parameters<S extends ParamSpec>(spec: S, options?: { title?: string }): ParamValues<S>;
export function parameters<S extends ParamSpec, R>(
  spec: S,
  options: ParametersOptions<ParamValues<S>, R> & { check: (values: ParamValues<S>) => R },
): R;
export function parameters<S extends ParamSpec, R>(
  spec: S,
  options: ParametersOptions<ParamValues<S>, R> = {},
): ParamValues<S> | R {
  const values: { [name: string]: unknown } = {};
  const notes: { [name: string]: string | undefined } = {};
  const problems: string[] = [];
  for (const [name, param] of Object.entries(spec)) {
    if (!isParam(param)) {
      problems.push(
        `${name}: declare it with num(), int(), ints(), oneOf(), flag() or text(), not as ${typeName(param)}`,
      );
      continue;
    }
    values[name] = param.value;
    notes[name] = param.note;
    const problem = param.problem(param.value);
    if (problem !== undefined)
      problems.push(`${name} = ${formatValue(param.value)}: ${problem}${param.note ? ` (${param.note})` : ''}`);
  }
  if (problems.length > 0)
    throw new OptionError(
      problems.length === 1 ? problems[0] : `${problems.length} parameters are wrong:\n  ${problems.join('\n  ')}`,
    );
  const title = options.title ?? 'parameters';
  if (options.check === undefined) {
    printConfiguration(title, values, notes, new Set(Object.keys(values)));
    return values as ParamValues<S>;
  }
  const checked = options.check(values as ParamValues<S>);
  if (checked !== null && typeof checked === 'object' && !Array.isArray(checked)) {
    printConfiguration(title, checked as { [name: string]: unknown }, notes, new Set(Object.keys(values)));
  } else {
    printConfiguration(title, values, notes, new Set(Object.keys(values)));
  }
  return checked;
}
