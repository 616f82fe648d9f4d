/** Kernel machines: the kernel family, kernel ridge regression, targets and calibrated probabilities. */
export { KernelRegressor } from './kernel-regressor';
export type { KernelFitEvent, KernelFitOptions, KernelRegressorOptions } from './kernel-regressor';
export { KERNEL_NAMES, ZERO_DISTANCE_FACTOR, zeroTolerance } from './kernel';
export type { KernelName, Metric } from './kernel';
export { l1LaplacianKernel } from './l1-laplacian';
export { JITTER_MULTIPLES } from './ridge-solve';
export { labelIndices, oneHot, resolveTask } from './targets';
export type { Task, TargetLike } from './targets';
export { fitTemperature, meanNegativeLogLikelihood, softmaxRows } from './temperature';
