// The feature-learning study: its run function(s), configuration and figures (notebooks import this folder).
export * from './experiment';
export * from './figures';
