// The double-descent study: its run function(s), configuration and figures (notebooks import this folder).
export * from './data';
export * from './figures';
export * from './model-wise';
export * from './models';
export * from './ridge';
export * from './sample-wise';
