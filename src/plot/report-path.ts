import { join, resolve } from 'path';

/**
 * A path for a file a notebook writes (an exported figure, a results table): under
 * RFM_REPORTS_DIR, which scripts/run-notebooks.py sets to its output directory, else under
 * reports/ in the working directory, which the project kernel makes the project root.
 */
export function reportPath(...parts: string[]): string {
  return resolve(process.env.RFM_REPORTS_DIR ?? 'reports', join(...parts));
}
