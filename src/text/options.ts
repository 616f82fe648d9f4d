// Option objects are checked against the keys a function knows, so that a typo is an error instead of a silent default.

export function checkOptions(options: object, allowed: ReadonlySet<string> | readonly string[], where: string): void {
  if (options === null || typeof options !== 'object') throw new Error(`${where}: options must be an object`);
  const known = allowed instanceof Set ? allowed : new Set(allowed as readonly string[]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new Error(`${where}: unknown option "${key}" (known: ${[...known].join(', ')})`);
  }
}
