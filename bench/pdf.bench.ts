/**
 * PDF extraction of a ~400-page book (`npm run bench:pdf`): the real LaTeX fixture (../shared/fixtures, 78 pages)
 * concatenated with pdf-lib into a 400-page book. Each measurement runs in its own process so that
 * its peak memory (the kernel's VmHWM) is its own:
 *   reference  pdfjs alone reading every page's text content (what any extraction must at least do)
 *   extract    extractPdf: reading plus layout, running lines, contents, hyphens, paragraphs and the report
 * Prints the load average, wall and CPU seconds (CPU time is what a loaded, shared machine distorts least), peak memory
 * and the ratios extract / reference measured in the same run. Targets (issue 10): under 10 s and 1 GB.
 *   --pages N   page count (default 400)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { extractPdf, pdfSummary } from '../src/text/pdf';
import { readPages, readSource } from '../src/text/pdf/read';

const FIXTURE = join(__dirname, '..', '..', 'shared', 'fixtures', 'alice-in-wonderland-latex.pdf');

function vmHwmBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function concatenate(minPages: number): Promise<Uint8Array> {
  const source = await PDFDocument.load(readFileSync(FIXTURE));
  const book = await PDFDocument.create();
  while (book.getPageCount() < minPages) {
    const wanted = source.getPageIndices().slice(0, minPages - book.getPageCount());
    for (const page of await book.copyPages(source, wanted)) book.addPage(page);
  }
  return book.save();
}

async function measure(mode: string, file: string): Promise<void> {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let detail = '';
  if (mode === 'reference') {
    const { bytes, name } = await readSource(file);
    const pages = await readPages(bytes, name, {});
    detail = `${pages.length} pages read`;
  } else {
    const result = await extractPdf(file);
    detail = pdfSummary(result);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  process.stdout.write(
    JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakBytes: vmHwmBytes(), detail }),
  );
}

async function main(): Promise<void> {
  const [mode, file] = process.argv.slice(2);
  if (mode === 'reference' || mode === 'extract') return measure(mode, file);
  const pagesArg = process.argv.indexOf('--pages');
  const minPages = pagesArg >= 0 ? Number(process.argv[pagesArg + 1]) : 400;
  if (!existsSync(FIXTURE)) throw new Error(`bench:pdf needs ${FIXTURE} (the shared fixtures)`);
  const dir = mkdtempSync(join(tmpdir(), 'rfm-pdf-bench-'));
  try {
    const file = join(dir, 'book.pdf');
    writeFileSync(file, await concatenate(minPages));
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (2 cores, shared machine)`,
    );
    const runs: Record<string, { seconds: number; cpuSeconds: number; peakBytes: number; detail: string }> = {};
    for (const m of ['reference', 'extract']) {
      const child = spawnSync(process.execPath, [...process.execArgv, __filename, m, file], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`${m} failed: ${child.stderr}`);
      runs[m] = JSON.parse(child.stdout);
      const r = runs[m];
      console.log(
        `${m.padEnd(9)} ${r.seconds.toFixed(2)} s wall (${r.cpuSeconds.toFixed(2)} s CPU), peak ${(r.peakBytes / 2 ** 20).toFixed(0)} MiB: ${r.detail}`,
      );
    }
    const ratio = runs.extract.seconds / runs.reference.seconds;
    const cpuRatio = runs.extract.cpuSeconds / runs.reference.cpuSeconds;
    console.log(
      `extract / reference: ${ratio.toFixed(2)} x wall time, ${cpuRatio.toFixed(2)} x CPU time; targets: ${runs.extract.seconds < 10 ? 'under' : 'OVER'} 10 s, ${runs.extract.peakBytes < 2 ** 30 ? 'under' : 'OVER'} 1 GiB`,
    );
    console.log(
      `load average after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
