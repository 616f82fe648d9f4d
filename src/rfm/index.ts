/** Recursive Feature Machines (docs/rfm-math.md sections 3-6). */
export { RFM } from './rfm';
export type { GramInput, KeptState, OneHotInput, PointsInput, RFMEvent, RFMFitOptions, RFMOptions, TrackedInput } from './rfm';
export { DenseFeatures, OneHotFeatures } from './features';
export type { Features, OneHotCodes } from './features';
export { chooseForm, featureProductCosts } from './cost-model';
export type { CostInput, FeatureProductCosts, Form, FormChoice, FormCost, GradientPath, Normalization } from './cost-model';
export type { FitSummary, IterationRecord, Metrics } from './history';
export type { Profile, StepProfile } from './profile';
