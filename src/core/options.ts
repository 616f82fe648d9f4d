import { OptionError } from './errors';

/**
 * Rejects keys the caller did not mean: a misspelt option silently ignored is a wrong experiment.
 * `what` names the function in the message ("RFM.fit: unknown option ..."); `undefined` options are fine.
 */
export function checkOptions(
  what: string,
  options: object | undefined,
  allowed: ReadonlySet<string> | readonly string[],
): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new OptionError(`${what}: options must be an object`);
  const known: readonly string[] = allowed instanceof Set ? [...allowed] : (allowed as readonly string[]);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new OptionError(`${what}: unknown option "${key}" (allowed: ${known.join(', ')})`);
    }
  }
}
