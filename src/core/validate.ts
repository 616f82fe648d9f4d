import { OptionError } from './errors';

/**
 * The checks of scalar options, one wording everywhere: each returns the value (typed) or throws an OptionError
 * "<what> must be ..., got <value>". `what` names the option as the caller knows it, e.g. 'RFM: iterations'.
 */

export function positiveInteger(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new OptionError(`${what} must be a positive integer, got ${shown(value)}`);
  }
  return value;
}

export function positiveNumber(what: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new OptionError(`${what} must be a positive number, got ${shown(value)}`);
  }
  return value;
}

export function nonNegativeNumber(what: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new OptionError(`${what} must be >= 0, got ${shown(value)}`);
  }
  return value;
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(what: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T))
    throw new OptionError(`${what} must be one of ${allowed.join(', ')}, got ${shown(value)}`);
  return value as T;
}

export function nonNegativeInteger(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new OptionError(`${what} must be an integer >= 0, got ${shown(value)}`);
  }
  return value;
}

/** A value as a message shows it: strings quoted, so that "4" and 4 read differently. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
