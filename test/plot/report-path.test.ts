import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { reportPath } from '../../src/plot/report-path';

test('reportPath follows RFM_REPORTS_DIR, set by the notebook runner, else reports/ in the working directory', () => {
  const saved = process.env.RFM_REPORTS_DIR;
  try {
    process.env.RFM_REPORTS_DIR = '/tmp/run-out';
    assert.equal(reportPath('01-scaling', 'error.png'), join('/tmp/run-out', '01-scaling', 'error.png'));
    delete process.env.RFM_REPORTS_DIR;
    assert.equal(reportPath('table.html'), resolve('reports', 'table.html'));
  } finally {
    if (saved === undefined) delete process.env.RFM_REPORTS_DIR;
    else process.env.RFM_REPORTS_DIR = saved;
  }
});
