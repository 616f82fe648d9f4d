// Regression errors over values taken as one vector (a matrix of outputs is flattened).

export function mse(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  check(truth, predicted, 'mse');
  let total = 0;
  for (let i = 0; i < truth.length; i++) total += (truth[i] - predicted[i]) ** 2;
  return total / truth.length;
}

/** Coefficient of determination 1 - SS_res / SS_tot; NaN when the truth is constant (SS_tot = 0). */
export function r2(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  check(truth, predicted, 'r2');
  let mean = 0;
  for (let i = 0; i < truth.length; i++) mean += truth[i];
  mean /= truth.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < truth.length; i++) {
    residual += (truth[i] - predicted[i]) ** 2;
    total += (truth[i] - mean) ** 2;
  }
  return total === 0 ? NaN : 1 - residual / total;
}

function check(truth: ArrayLike<number>, predicted: ArrayLike<number>, where: string): void {
  if (truth.length !== predicted.length) throw new Error(`${where}: ${truth.length} true values but ${predicted.length} predictions`);
  if (truth.length === 0) throw new Error(`${where}: no values`);
  for (let i = 0; i < truth.length; i++) {
    if (!Number.isFinite(truth[i])) throw new Error(`${where}: true value ${truth[i]} at index ${i} is not finite`);
    if (!Number.isFinite(predicted[i])) throw new Error(`${where}: prediction ${predicted[i]} at index ${i} is not finite`);
  }
}
