import { randomBytes } from 'crypto';
import { canDisplay, display } from '../plot/display';
import { cellSignal, reportPosition } from './cell';

/**
 * One progress line per cell that updates in place (a Jupyter display updated by id): a bar, the percentage, the
 * time elapsed and an estimate of the time left, and what was just finished. It takes the progress records of every
 * experiment (sweeps and the scaling test: done/total/label; feature learning: done/total/step; the text experiment:
 * stage/message/fraction), so one callback serves every notebook.
 */

export interface ProgressRecord {
  done?: number;
  total?: number;
  /** Share of the work done (0..1), for work not counted in steps (the text experiment's expected work). */
  fraction?: number;
  elapsedMs?: number;
  elapsedSeconds?: number;
  /** What was just finished or is running; the first of these present is shown. */
  label?: string;
  step?: string;
  message?: string;
  stage?: string;
  sweep?: string;
}

export interface ProgressLineOptions {
  /** Shown first, e.g. "scaling test"; defaults to the record's `sweep` or `stage`. */
  title?: string;
  /** Least time between two updates of the line (default 250 ms); the last step always shows. */
  everyMs?: number;
}

const BAR = 20;

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - 60 * m);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The text of the line for a record, `seconds` after the work started. Exported for tests. */
export function progressText(p: ProgressRecord, seconds: number, title?: string): string {
  const name = title ?? p.sweep ?? p.stage;
  const detail = p.label ?? p.step ?? p.message;
  // With a title, the stage (the text experiment's 'rfm', 'evaluation'...) goes with the message.
  const what = title !== undefined && p.stage !== undefined && detail !== undefined ? `${p.stage}: ${detail}` : detail;
  const parts: string[] = [];
  const counted = p.done !== undefined && p.total !== undefined && p.total > 0;
  if (counted || p.fraction !== undefined) {
    const fraction = Math.min(1, Math.max(0, counted ? p.done! / p.total! : p.fraction!));
    const filled = Math.round(fraction * BAR);
    const count = counted ? ` (${p.done}/${p.total})` : '';
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${Math.floor(100 * fraction)} %${count}`);
    parts.push(`${duration(seconds)} elapsed`);
    if (fraction > 0 && fraction < 1) parts.push(`~${duration((seconds * (1 - fraction)) / fraction)} left`);
    else if (fraction >= 1) parts.push('done');
  } else {
    parts.push(`${duration(seconds)} elapsed`);
  }
  const head = name === undefined ? '' : `${name}: `;
  return `${head}${parts.join(', ')}${what === undefined || what === name ? '' : ` · ${what}`}`;
}

/**
 * A progress callback that shows one updating line in the running cell's output, e.g.
 * `await runScalingTest(config, { onProgress: progressLine({ title: 'scaling test' }), signal: cellSignal() })`.
 * Reused in a later cell, it starts a new line there. When the cell is interrupted the line says where it stopped.
 * Outside a notebook it prints a line every 5 s instead.
 */
export function progressLine(options: ProgressLineOptions = {}): (p: ProgressRecord) => void {
  const everyMs = options.everyMs ?? 250;
  let signal: AbortSignal | undefined;
  let displayId = '';
  let started = 0;
  let shownAt = -Infinity;
  let last: ProgressRecord | undefined;
  let text = '';

  const seconds = (p: ProgressRecord) =>
    p.elapsedMs !== undefined ? p.elapsedMs / 1000 : (p.elapsedSeconds ?? (Date.now() - started) / 1000);

  const render = (update: boolean, suffix = '') => {
    if (last === undefined) return;
    text = progressText(last, seconds(last), options.title) + suffix;
    if (canDisplay()) display({ 'text/plain': text }, { displayId, update });
    else console.log(text);
  };

  return (p: ProgressRecord) => {
    const current = cellSignal();
    const fresh = current !== signal;
    if (fresh) {
      // A new cell (or the first call): a new line in this cell's output.
      signal = current;
      displayId = `rfm-progress-${randomBytes(6).toString('hex')}`;
      started = Date.now();
      shownAt = -Infinity;
      const own = current;
      own.addEventListener(
        'abort',
        () => {
          if (signal === own) render(true, ' · interrupted here');
        },
        { once: true },
      );
      // Asked when the cell stops on an interrupt: the line shows the last record too, marked as where it stopped.
      reportPosition(() => {
        if (last === undefined || signal !== own) return undefined;
        render(true, ' · interrupted here');
        return progressText(last, seconds(last), options.title);
      });
    }
    last = p;
    const now = Date.now();
    const finished = (p.done !== undefined && p.total !== undefined && p.done >= p.total) || p.fraction === 1;
    const minGap = canDisplay() ? everyMs : 5000;
    if (!fresh && !finished && now - shownAt < minGap) return;
    render(!fresh);
    shownAt = now;
  };
}
