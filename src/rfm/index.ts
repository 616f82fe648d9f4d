/** Recursive Feature Machines (rfm-math.md sections 3-6). */
export { RFM } from './rfm';
export type { GramInput, RFMEvent, RFMFitOptions, RFMOptions, TrackedInput } from './rfm';
export { chooseForm } from './cost-model';
export type { CostInput, Form, FormChoice, FormCost, GradientPath, Normalization } from './cost-model';
export type { FitSummary, IterationRecord, Metrics } from './history';
export type { Profile, StepProfile } from './profile';
