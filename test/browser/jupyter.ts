import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/**
 * A Jupyter server for browser tests, and drivers for the front ends it may serve: JupyterLab (when `jupyter lab`
 * runs here), else what `jupyter notebook` is: the classic notebook 6 (Debian's jupyter-notebook, which CI installs)
 * or Notebook 7 (built on JupyterLab's components, so it shares the JupyterLab driver). RFM_JUPYTER names the
 * `jupyter` executable to use (e.g. one in a virtualenv); RFM_JUPYTER_APP=notebook forces `jupyter notebook`.
 */

export const ROOT = join(__dirname, '..', '..');

/** 'notebook' is the classic notebook (6.x); 'notebook7' is Notebook 7. */
export type App = 'lab' | 'notebook' | 'notebook7';

function jupyterCommand(): string {
  return process.env.RFM_JUPYTER ?? 'jupyter';
}

function runs(app: 'lab' | 'notebook'): boolean {
  return spawnSync(jupyterCommand(), [app, '--version'], { stdio: 'ignore' }).status === 0;
}

/** `jupyter notebook` is Notebook 7 (JupyterLab-based) or the classic notebook, by its major version. */
function notebookApp(): App {
  const version = spawnSync(jupyterCommand(), ['notebook', '--version'], { encoding: 'utf8' }).stdout.trim();
  return Number.parseInt(version, 10) >= 7 ? 'notebook7' : 'notebook';
}

/** Which front end this machine can serve, or why none. */
export function availableApp(): App | { missing: string } {
  const forced = process.env.RFM_JUPYTER_APP;
  if (forced === 'lab' || forced === 'notebook') {
    if (!runs(forced)) return { missing: `RFM_JUPYTER_APP=${forced} but "${jupyterCommand()} ${forced}" does not run` };
    return forced === 'lab' ? 'lab' : notebookApp();
  }
  if (runs('lab')) return 'lab';
  if (runs('notebook')) return notebookApp();
  return {
    missing: `neither "${jupyterCommand()} lab" nor "${jupyterCommand()} notebook" runs here (apt-get install jupyter-notebook, or set RFM_JUPYTER)`,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface Server {
  app: App;
  /** The server's base URL, ending in '/'. */
  base: string;
  token: string;
  log: () => string;
  stop(): Promise<void>;
}

/**
 * Starts Jupyter rooted at the project (as `npm run lab` does) with the project kernel, quick mode, exports under
 * `scratch`, and Jupyter's own state (trust database, workspaces) in `scratch` too.
 */
export async function startServer(app: App, scratch: string): Promise<Server> {
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  for (const dir of ['config', 'data', 'runtime', 'reports']) mkdirSync(join(scratch, dir), { recursive: true });
  const env = {
    ...process.env,
    JUPYTER_PATH: join(ROOT, 'jupyter'),
    JUPYTER_CONFIG_DIR: join(scratch, 'config'),
    JUPYTER_DATA_DIR: join(scratch, 'data'),
    JUPYTER_RUNTIME_DIR: join(scratch, 'runtime'),
    RFM_QUICK: '1',
    RFM_REPORTS_DIR: join(scratch, 'reports'),
  };
  const common = ['--no-browser', '--allow-root', '--ip=127.0.0.1', `--port=${port}`];
  const jupyterServer = [`--ServerApp.token=${token}`, `--ServerApp.root_dir=${ROOT}`];
  const args =
    app === 'lab'
      ? [
          'lab',
          ...common,
          ...jupyterServer,
          '--LabApp.expose_app_in_browser=True',
          '--LabApp.news_url=None',
          '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
        ]
      : app === 'notebook7'
        ? ['notebook', ...common, ...jupyterServer, '--JupyterNotebookApp.expose_app_in_browser=True']
        : ['notebook', ...common, `--NotebookApp.token=${token}`, `--notebook-dir=${ROOT}`];
  const child: ChildProcess = spawn(jupyterCommand(), args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (b) => (output += b));
  child.stderr?.on('data', (b) => (output += b));
  const base = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`jupyter ${app} exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${base}api/status?token=${token}`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`jupyter ${app} did not answer within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    app,
    base,
    token,
    log: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** What a browser test does with an open notebook, in either front end. */
export interface NotebookDriver {
  open(path: string): Promise<void>;
  runAll(): Promise<void>;
  runCell(index: number): Promise<void>;
  /** Resolves when the kernel is idle and no cell is queued or running. */
  waitIdle(timeoutMs: number): Promise<void>;
  /** True while the cell runs or waits to run. */
  cellRunning(index: number): Promise<boolean>;
  interrupt(): Promise<void>;
  save(): Promise<void>;
  outputText(index: number): Promise<string>;
  /** Charts drawn by plotly in the page. */
  chartCount(): Promise<number>;
  /** The most rows any drawn table hides behind its scrollbar, in pixels (0: every row shows). */
  hiddenTablePixels(): Promise<number>;
  /** Charts whose plotly toolbar box overlaps their title's. */
  toolbarOverTitle(): Promise<number>;
}

async function until(page: Page, what: string, test: string, timeoutMs: number): Promise<void> {
  try {
    await page.waitForFunction(test, undefined, { timeout: timeoutMs, polling: 200 });
  } catch (e) {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${(e as Error).message.split('\n')[0]}`);
  }
}

const CHARTS = `[...document.querySelectorAll('.rfm-plot.js-plotly-plot')].filter((el) => el.querySelector('.main-svg')).length`;
const HIDDEN_TABLE_PIXELS = `(() => {
  let most = 0;
  for (const glyph of document.querySelectorAll('.rfm-plot .scrollbar-glyph')) {
    const state = glyph.__data__ && glyph.__data__.scrollbarState;
    if (state) most = Math.max(most, state.wiggleRoom);
  }
  return most;
})()`;

const TOOLBAR_OVER_TITLE = `[...document.querySelectorAll('.rfm-plot.js-plotly-plot')].filter((gd) => {
  const bar = gd.querySelector('.modebar');
  const title = gd.querySelector('.gtitle');
  if (!bar || !title) return false;
  const a = bar.getBoundingClientRect();
  const b = title.getBoundingClientRect();
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}).length`;

/** What the drivers read off the page the same way in every front end. */
function pageChecks(page: Page): Pick<NotebookDriver, 'chartCount' | 'hiddenTablePixels' | 'toolbarOverTitle'> {
  return {
    chartCount: async () => (await page.evaluate(CHARTS)) as number,
    hiddenTablePixels: async () => (await page.evaluate(HIDDEN_TABLE_PIXELS)) as number,
    toolbarOverTitle: async () => (await page.evaluate(TOOLBAR_OVER_TITLE)) as number,
  };
}

/** JupyterLab's driver; Notebook 7 is the same application (window.jupyterapp) with one notebook per page. */
function labDriver(page: Page, server: Server): NotebookDriver {
  const nb = `window.jupyterapp.shell.currentWidget`;
  const url = server.app === 'notebook7' ? 'notebooks' : 'lab/tree';
  return {
    async open(path) {
      await page.goto(`${server.base}${url}/${path}?token=${server.token}`);
      await until(
        page,
        `${server.app} to open the notebook`,
        `window.jupyterapp && ${nb} && ${nb}.context && ${nb}.context.isReady && ${nb}.context.path === ${JSON.stringify(path)}`,
        60_000,
      );
      await until(
        page,
        'the kernel to start',
        `${nb}.sessionContext.session && ${nb}.sessionContext.session.kernel && ${nb}.sessionContext.session.kernel.status === 'idle'`,
        60_000,
      );
    },
    // The commands' promises resolve when the cells have run: not awaited, so that the test can watch them run.
    async runAll() {
      await page.evaluate(`void window.jupyterapp.commands.execute('notebook:run-all-cells')`);
    },
    async runCell(index) {
      await page.evaluate(
        `${nb}.content.activeCellIndex = ${index}; void window.jupyterapp.commands.execute('notebook:run-cell')`,
      );
    },
    async cellRunning(index) {
      return ((await page.evaluate(`${nb}.content.widgets[${index}].promptNode.textContent`)) as string).includes('*');
    },
    async waitIdle(timeoutMs) {
      await until(
        page,
        'every cell to finish',
        `${nb}.sessionContext.session.kernel.status === 'idle' && ${nb}.content.widgets.every((c) => !c.promptNode || !c.promptNode.textContent.includes('*'))`,
        timeoutMs,
      );
    },
    async interrupt() {
      await page.evaluate(`${nb}.sessionContext.session.kernel.interrupt()`);
    },
    async save() {
      await page.evaluate(`window.jupyterapp.commands.execute('docmanager:save')`);
      await until(page, 'the save', `!${nb}.context.model.dirty`, 30_000);
    },
    async outputText(index) {
      return (await page.evaluate(`${nb}.content.widgets[${index}].outputArea.node.innerText`)) as string;
    },
    ...pageChecks(page),
  };
}

function classicDriver(page: Page, server: Server): NotebookDriver {
  const nb = 'Jupyter.notebook';
  return {
    async open(path) {
      await page.goto(`${server.base}notebooks/${path}?token=${server.token}`);
      await until(page, 'the notebook to load', `window.Jupyter && ${nb} && ${nb}._fully_loaded`, 60_000);
      await until(
        page,
        'the kernel to start',
        `${nb}.kernel && ${nb}.kernel.is_connected() && document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null`,
        60_000,
      );
    },
    async runAll() {
      await page.evaluate(`${nb}.execute_all_cells()`);
    },
    async runCell(index) {
      await page.evaluate(`${nb}.execute_cells([${index}])`);
    },
    async cellRunning(index) {
      return (await page.evaluate(
        `${nb}.get_cell(${index}).element[0].querySelector('.input_prompt').textContent.includes('*')`,
      )) as boolean;
    },
    async waitIdle(timeoutMs) {
      await until(
        page,
        'every cell to finish',
        `document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null && ${nb}.get_cells().every((c) => !c.element[0].querySelector('.input_prompt') || !c.element[0].querySelector('.input_prompt').textContent.includes('*'))`,
        timeoutMs,
      );
    },
    async interrupt() {
      await page.evaluate(`${nb}.kernel.interrupt()`);
    },
    async save() {
      await page.evaluate(`${nb}.save_notebook()`);
      await until(page, 'the save', `!${nb}.dirty`, 30_000);
    },
    async outputText(index) {
      return (await page.evaluate(`${nb}.get_cell(${index}).output_area.element[0].innerText`)) as string;
    },
    ...pageChecks(page),
  };
}

export function driver(page: Page, server: Server): NotebookDriver {
  return server.app === 'notebook' ? classicDriver(page, server) : labDriver(page, server);
}
