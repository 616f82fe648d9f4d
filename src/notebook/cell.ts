/**
 * The notebook cell that is running, as the project kernel describes it (jupyter/kernels/rfm-lab-tslab/
 * tslab-patches.js): an AbortSignal that the kernel's Interrupt aborts, and a hook through which the cell's progress
 * line says where the work was when it stopped.
 */

/** The kernel keeps the running cell's state on globalThis under this key (module state resets on re-import). */
const CELL_KEY = Symbol.for('rfm-lab.notebook.cell');

interface CellState {
  signal: AbortSignal;
  where?: () => string | undefined;
}

function cellState(): CellState | undefined {
  return (globalThis as { [CELL_KEY]?: CellState })[CELL_KEY];
}

/** A signal that never aborts: outside the project kernel nothing interrupts a cell. */
const NEVER = new AbortController().signal;

/**
 * The signal that Kernel > Interrupt aborts for the running cell. Pass it to long calls, e.g.
 * `await runScalingTest(config, { onProgress, signal: cellSignal() })`: they stop at their next step and leave earlier
 * results as they were. Outside the project kernel (plain node, another kernel) it never aborts.
 */
export function cellSignal(): AbortSignal {
  return cellState()?.signal ?? NEVER;
}

/** Lets the running cell's interrupt message say where the work was (used by progressLine). */
export function reportPosition(where: () => string | undefined): void {
  const cell = cellState();
  if (cell) cell.where = where;
}
