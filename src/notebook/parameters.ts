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
 * A notebook that runs several experiments, or experiments with nested settings, gives each its group, checked by
 * that experiment's validator (the function its run calls):
 *
 *   const config = parameters({
 *     ridge: group({ train: int(300), labelNoise: nums([0, 0.5]) }, { check: ridgeSweepConfig }),
 *     mnist: group({ network: group({ epochs: int(20) }) }, { check: mnistFeatureConfig }),
 *   });
 *
 * and a problem there is named by its path ("ridge: ridgeSweep: ridges[1] must be a positive number, got -1").
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

type ListRange = NumberRange & { increasing?: boolean; nonEmpty?: boolean };

/** The problem with a list of numbers: not a list, empty, an entry not a `kind`, out of range or out of order. */
function listProblem(v: unknown, kind: string, isEntry: (x: number) => boolean, range: ListRange): string | undefined {
  if (!Array.isArray(v)) return `must be a list of ${kind}s, not ${typeName(v)}`;
  if (range.nonEmpty !== false && v.length === 0) return 'must not be empty';
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !isEntry(x)) return `entry ${i} (${formatValue(x)}) must be a ${kind}`;
    const p = rangeProblem(x, range);
    if (p !== undefined) return `entry ${i} (${x}) ${p}`;
    if (range.increasing && i > 0 && !(x > v[i - 1])) return `must increase: entry ${i} (${x}) follows ${v[i - 1]}`;
  }
  return undefined;
}

/** A list of integers, each in the range; `increasing` requires strictly increasing values. */
export function ints(value: number[], range: ListRange = {}): Param<number[]> {
  return { value, note: range.note, problem: (v) => listProblem(v, 'integer', Number.isInteger, range) };
}

/** A list of finite numbers, each in the range; `increasing` requires strictly increasing values. */
export function nums(value: number[], range: ListRange = {}): Param<number[]> {
  return { value, note: range.note, problem: (v) => listProblem(v, 'finite number', Number.isFinite, range) };
}

/**
 * A list whose entries the experiment's check validates (e.g. network variants `{ initScale, weightDecay }`, digit
 * sets): here only "is a list".
 */
export function list<T>(value: T[], note?: string): Param<T[]> {
  return { value, note, problem: (v) => (Array.isArray(v) ? undefined : `must be a list, not ${typeName(v)}`) };
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

/** A nested configuration: its parameters, and the experiment's validator that turns them into the full config. */
interface Group extends Param<unknown> {
  readonly spec: ParamSpec;
  readonly check?: (values: never) => unknown;
}

/**
 * A group of parameters, the configuration of one experiment (or one nested object of it): its entries are checked
 * like top-level ones and named `group.entry` in messages; then `check`, the experiment's own validator (the one
 * its run calls), turns them into the full configuration, which is the group's value. What `check` rejects (an
 * unknown name, a range, values that do not fit together) fails the parameters cell with the group's name in front.
 */
export function group<S extends ParamSpec>(spec: S, options?: { note?: string }): Param<ParamValues<S>>;
export function group<S extends ParamSpec, R>(
  spec: S,
  options: { check: (values: ParamValues<S>) => R; note?: string },
): Param<R>;
export function group<S extends ParamSpec, R>(
  spec: S,
  options: { check?: (values: ParamValues<S>) => R; note?: string } = {},
): Param<unknown> {
  const g: Group = { value: undefined, note: options.note, problem: () => undefined, spec, check: options.check };
  return g;
}

function isParam(x: unknown): x is Param<unknown> {
  return (
    x !== null &&
    typeof x === 'object' &&
    'problem' in x &&
    typeof (x as { problem: unknown }).problem === 'function' &&
    'value' in x
  );
}

function isGroup(p: Param<unknown>): p is Group {
  return 'spec' in p;
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

/** One printed entry of the configuration: declared in the cell or a default; a group has entries of its own. */
interface Entry {
  value: unknown;
  note?: string;
  declared: boolean;
  entries?: Entries;
}
type Entries = { [name: string]: Entry };

function isPlainObject(v: unknown): v is { [name: string]: unknown } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The declared entries with the values a check returned: defaults it filled in are added, marked as such. */
function withChecked(entries: Entries, checked: unknown): Entries {
  if (!isPlainObject(checked)) return entries;
  const out: Entries = {};
  for (const [name, value] of Object.entries(checked)) {
    const e = entries[name];
    if (e === undefined) out[name] = { value, declared: false };
    else out[name] = { ...e, value, entries: e.entries && withChecked(e.entries, value) };
  }
  // A declared name the check dropped still prints (with the value typed), so nothing disappears silently.
  for (const name of Object.keys(entries)) if (!(name in out)) out[name] = entries[name];
  return out;
}

function valuesOf(entries: Entries): { [name: string]: unknown } {
  const values: { [name: string]: unknown } = {};
  for (const [name, e] of Object.entries(entries)) values[name] = e.value;
  return values;
}

/** A thrown check's message, or the error itself when it is not a validation failure (a bug should surface as one). */
function checkProblem(e: unknown): string {
  if (e instanceof OptionError) return e.message;
  throw e;
}

/** Checks a spec's parameters (recursing into groups), collecting one line per problem under `path`. */
function resolve(spec: ParamSpec, path: string, problems: string[]): Entries {
  const entries: Entries = {};
  for (const [name, param] of Object.entries(spec)) {
    if (!isParam(param)) {
      problems.push(
        `${path}${name}: declare it with num(), int(), ints(), nums(), oneOf(), flag(), text(), list() or group(), not as ${typeName(param)}`,
      );
      continue;
    }
    if (isGroup(param)) {
      const before = problems.length;
      let inner = resolve(param.spec, `${path}${name}.`, problems);
      let value: unknown = valuesOf(inner);
      if (problems.length === before && param.check !== undefined) {
        try {
          value = param.check(value as never);
          inner = withChecked(inner, value);
        } catch (e) {
          problems.push(`${path}${name}: ${checkProblem(e)}`);
        }
      }
      entries[name] = { value, note: param.note, declared: true, entries: inner };
      continue;
    }
    entries[name] = { value: param.value, note: param.note, declared: true };
    const problem = param.problem(param.value);
    if (problem !== undefined)
      problems.push(`${path}${name} = ${formatValue(param.value)}: ${problem}${param.note ? ` (${param.note})` : ''}`);
  }
  return entries;
}

function configurationLines(entries: Entries, indent: string): string[] {
  const names = Object.keys(entries);
  const width = Math.max(...names.filter((n) => entries[n].entries === undefined).map((n) => n.length), 0);
  return names.flatMap((name) => {
    const e = entries[name];
    const mark = e.declared ? ' ' : '·';
    const note = e.note ? `   (${e.note})` : '';
    if (e.entries !== undefined)
      return [`${indent}${mark} ${name}:${note}`, ...configurationLines(e.entries, `${indent}  `)];
    return [`${indent}${mark} ${name.padEnd(width)} = ${formatValue(e.value)}${note}`];
  });
}

function hasDefaults(entries: Entries): boolean {
  return Object.values(entries).some((e) => !e.declared || (e.entries !== undefined && hasDefaults(e.entries)));
}

function printConfiguration(title: string, entries: Entries): void {
  const legend = hasDefaults(entries) ? '\n(· = the default, not set in this cell)' : '';
  console.log(`${title}:\n${configurationLines(entries, '').join('\n')}${legend}`);
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
  const problems: string[] = [];
  let entries = resolve(spec, '', problems);
  if (problems.length > 0)
    throw new OptionError(
      problems.length === 1 ? problems[0] : `${problems.length} parameters are wrong:\n  ${problems.join('\n  ')}`,
    );
  const values = valuesOf(entries) as ParamValues<S>;
  const result = options.check === undefined ? values : options.check(values);
  if (options.check !== undefined) entries = withChecked(entries, result);
  printConfiguration(options.title ?? 'parameters', entries);
  return result;
}
