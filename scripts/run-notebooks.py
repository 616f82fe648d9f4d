#!/usr/bin/env python3
"""Run the project's notebooks headless through Jupyter (nbclient) with the project's tslab kernel.

Executed notebooks go to the output directory (reports/ by default), which notebooks also get as
RFM_REPORTS_DIR for their exported figures. Progress is printed per code cell. A failing cell's
source and message are printed and the exit status is 1: tslab reports a failure without
ename/evalue, its message is only in the cell's stderr stream, so that stream is what is shown.
"""
import argparse
import glob
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL_NAME = 'rfm-lab-tslab'
DEFAULT_PATTERN = os.path.join('notebooks', '[0-9][0-9]-*.ipynb')
# tslab compiles TypeScript on its first cell; a cold start can take several seconds.
KERNEL_STARTUP_SECONDS = 120


def positive_int(text):
    """nbclient's timeout is an int trait: a float (even 60.0) fails inside nbclient with a TraitError."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected a whole number of seconds, got {text!r}')
    if value <= 0:
        raise argparse.ArgumentTypeError(f'expected a positive number of seconds, got {value}')
    return value


# Asynchronous failures (docs/reliability.md): a rejection nobody awaits or a throw in a timer happens outside
# the cell that caused it, so the kernel reports no error and the run would pass. A first hidden cell records them,
# a last one waits ASYNC_GRACE_MS for late timers and fails if any was recorded. Both are left out of the saved copy.
ASYNC_GRACE_MS = 500
ASYNC_GUARD_SETUP = '''{
  const failures: string[] = [];
  (globalThis as any).__runNotebooksAsyncFailures = failures;
  const note = (kind: string) => (e: unknown) => failures.push(`${kind}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  process.on('unhandledRejection', note('unhandled promise rejection (a promise nobody awaited)'));
  process.on('uncaughtException', note('uncaught exception (thrown in a callback or timer)'));
}'''
ASYNC_GUARD_CHECK = f'''await new Promise((resolve) => setTimeout(resolve, {ASYNC_GRACE_MS}));
{{
  const failures: string[] = (globalThis as any).__runNotebooksAsyncFailures;
  if (failures.length > 0) throw new Error(`asynchronous failure(s) outside any cell's await:\\n${{failures.join('\\n')}}`);
}}'''


def with_async_guard(nb):
    """The notebook with the guard cells around its cells (a copy's cell list; the caller restores it)."""
    import nbformat
    cells = list(nb.cells)
    nb.cells = [nbformat.v4.new_code_cell(ASYNC_GUARD_SETUP)] + cells + [nbformat.v4.new_code_cell(ASYNC_GUARD_CHECK)]
    return cells


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='run-notebooks',
        description='Execute notebooks headless with the rfm-lab tslab kernel.')
    parser.add_argument('notebooks', nargs='*',
                        help=f'notebook paths (default: {DEFAULT_PATTERN} under the project root)')
    parser.add_argument('--quick', action='store_true',
                        help='small sizes, for CI: sets RFM_QUICK=1 in the kernel (otherwise it is unset)')
    parser.add_argument('--out', default=os.path.join(ROOT, 'reports'),
                        help='directory for executed notebooks and exported figures (default: reports/)')
    parser.add_argument('--timeout', type=positive_int, default=3600,
                        help='whole seconds one cell may run before it counts as failed (default: 3600)')
    return parser.parse_args(argv)


def first_line(source):
    for line in source.splitlines():
        if line.strip():
            return line.strip()
    return ''


def cell_messages(cell):
    """What the kernel said about a failure: tslab's stderr stream, or a standard error output."""
    parts = []
    for output in cell.get('outputs', []):
        if output.get('output_type') == 'stream' and output.get('name') == 'stderr':
            parts.append(output.get('text', ''))
        elif output.get('output_type') == 'error':
            parts.append('\n'.join(output.get('traceback') or [f"{output.get('ename')}: {output.get('evalue')}"]))
    return ''.join(parts).rstrip()


def configure_environment(args, out_dir):
    """The kernel inherits this process's environment."""
    jupyter_dir = os.path.join(ROOT, 'jupyter')
    existing = os.environ.get('JUPYTER_PATH')
    os.environ['JUPYTER_PATH'] = jupyter_dir if not existing else os.pathsep.join([jupyter_dir, existing])
    os.environ['RFM_REPORTS_DIR'] = out_dir
    # The executed copies are written to out_dir: links that notebooks print to their exports are relative to it.
    os.environ['RFM_NOTEBOOK_DIR'] = out_dir
    if args.quick:
        os.environ['RFM_QUICK'] = '1'
    else:
        os.environ.pop('RFM_QUICK', None)


def run_notebook(path, out_dir, timeout, quick):
    """Execute one notebook, write it to out_dir, and return None or a description of the failure."""
    import nbformat
    import nbformat.sign
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    name = os.path.basename(path)
    nb = nbformat.read(path, as_version=4)
    code_cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == 'code' and cell.source.strip()]
    position = {cell_index: k + 1 for k, cell_index in enumerate(code_cells)}
    total = len(code_cells)
    print(f'== {name}: {total} code cells{" (quick mode)" if quick else ""}', flush=True)

    state = {'index': None, 'started': 0.0, 'guard': None}
    notebook_started = time.monotonic()
    original_cells = with_async_guard(nb)
    last = len(nb.cells) - 1

    def on_cell_execute(cell, cell_index):
        if cell_index in (0, last):
            state['guard'] = cell_index
            return
        cell_index -= 1
        state['guard'] = None
        state['index'] = cell_index
        state['started'] = time.monotonic()
        elapsed = state['started'] - notebook_started
        print(f'  [{position[cell_index]:>2}/{total}] {elapsed:7.1f}s  {first_line(cell.source)[:70]:<70} ',
              end='', flush=True)

    def on_cell_executed(cell, cell_index, execute_reply):
        if cell_index in (0, last):
            return
        status = execute_reply['content'].get('status', '?')
        print(f'{"ok" if status == "ok" else status.upper()} {time.monotonic() - state["started"]:.1f}s', flush=True)

    client = NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=timeout,
        startup_timeout=KERNEL_STARTUP_SECONDS,
        resources={'metadata': {'path': ROOT}},
        on_cell_execute=on_cell_execute,
        on_cell_executed=on_cell_executed,
    )
    failure = None
    try:
        client.execute()
    except CellTimeoutError:
        print('TIMEOUT', flush=True)
        failure = f'the cell ran longer than --timeout {timeout:g}s'
    except DeadKernelError as e:
        print('DIED', flush=True)
        failure = f'the kernel died: {e}'
    except CellExecutionError as e:
        failure = str(e).strip()
        if state['guard'] == last:
            failure = cell_messages(nb.cells[last]) or failure
    finally:
        guard_cell = nb.cells[last]
        nb.cells = original_cells
        os.makedirs(out_dir, exist_ok=True)
        out_path = os.path.join(out_dir, name)
        # Signed as Jupyter signs a notebook saved after running it: you ran it, so its charts' scripts may run when
        # you open the copy (an unsigned one shows each chart's "not trusted" placeholder instead).
        nbformat.sign.NotebookNotary().sign(nb)
        nbformat.write(nb, out_path)

    if failure is None:
        print(f'   done in {time.monotonic() - notebook_started:.1f}s -> {os.path.relpath(out_path)}', flush=True)
        return None

    where = ''
    bar = '-' * 72
    if state['guard'] == last:
        where = ' after its last cell'
        print(f'\n{bar}\nFAILED {name}{where}\n{bar}\n{cell_messages(guard_cell) or failure}\n{bar}',
              file=sys.stderr, flush=True)
    elif state['index'] is not None:
        cell = nb.cells[state['index']]
        where = f' at cell {position[state["index"]]}/{total}'
        message = cell_messages(cell) or failure
        print(f'\n{bar}\nFAILED {name}{where}\n{bar}\n{cell.source.rstrip()}\n{bar}\n{message}\n{bar}',
              file=sys.stderr, flush=True)
    else:
        print(f'\nFAILED {name}: {failure}', file=sys.stderr, flush=True)
    print(f'   partial output -> {os.path.relpath(out_path)}', flush=True)
    return f'{name}{where}'


def main(argv):
    args = parse_args(argv)
    try:
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError as e:
        print(f'run-notebooks: {e}. The runner needs Jupyter\'s nbclient in {sys.executable}: '
              'apt-get install python3-nbclient (Debian/Ubuntu) or pip install nbclient.', file=sys.stderr)
        return 2

    if args.notebooks:
        paths = [os.path.abspath(p) for p in args.notebooks]
        missing = [p for p in paths if not os.path.isfile(p)]
        if missing:
            print(f'run-notebooks: no such notebook: {", ".join(missing)}', file=sys.stderr)
            return 2
    else:
        paths = sorted(glob.glob(os.path.join(ROOT, DEFAULT_PATTERN)))
        if not paths:
            print(f'run-notebooks: no notebooks match {DEFAULT_PATTERN} in {ROOT}', file=sys.stderr)
            return 2

    out_dir = os.path.abspath(args.out)
    configure_environment(args, out_dir)
    failures = []
    for path in paths:
        failure = run_notebook(path, out_dir, args.timeout, args.quick)
        if failure:
            failures.append(failure)

    if failures:
        print(f'\n{len(failures)} of {len(paths)} notebooks failed: {"; ".join(failures)}', file=sys.stderr)
        return 1
    print(f'\nall {len(paths)} notebooks ran; executed copies are in {os.path.relpath(out_dir)}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
