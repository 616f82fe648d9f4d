import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Running notebooks through scripts/run-notebooks.js from tests, and reading what the executed
 * notebooks hold. Shared by the runner's own test and the tests of the project's notebooks.
 */

export const ROOT = join(__dirname, '..', '..');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Why notebook tests cannot run here (for `skip`), or false when Jupyter's nbclient is available. */
export function notebooksUnavailable(): string | false {
  const { findPython }: { findPython(): string | undefined } = require('../../scripts/run-notebooks.js');
  if (findPython() !== undefined) return false;
  return `no Python with Jupyter's nbclient${process.env.RFM_PYTHON ? ` at RFM_PYTHON=${process.env.RFM_PYTHON}` : ''} (apt-get install python3-nbclient)`;
}

export function runNotebooks(args: string[]): RunResult {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'run-notebooks.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: { [mime: string]: unknown };
}

interface Notebook {
  cells: { cell_type: string; outputs?: Output[] }[];
}

/** nbformat may store text as a list of lines. */
function joined(text: unknown): string {
  return Array.isArray(text) ? text.join('') : String(text ?? '');
}

export function readNotebook(path: string): Notebook {
  return JSON.parse(readFileSync(path, 'utf8')) as Notebook;
}

export function outputs(nb: Notebook): Output[] {
  return nb.cells.flatMap((cell) => cell.outputs ?? []);
}

/** Everything a notebook printed to one stream ('stdout' or 'stderr'). */
export function streamText(nb: Notebook, name: 'stdout' | 'stderr'): string {
  return outputs(nb).filter((o) => o.output_type === 'stream' && o.name === name).map((o) => joined(o.text)).join('');
}

/** Every value a notebook displayed in the given MIME type, text joined into one string. */
export function displayed(nb: Notebook, mime: string): unknown[] {
  return outputs(nb)
    .filter((o) => (o.output_type === 'display_data' || o.output_type === 'execute_result') && o.data && mime in o.data)
    .map((o) => {
      const value = (o.data as { [mime: string]: unknown })[mime];
      return typeof value === 'string' || Array.isArray(value) ? joined(value) : value;
    });
}
