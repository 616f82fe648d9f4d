// The text study: its run function(s), configuration and figures (notebooks import this folder).
export * from './data';
export * from './experiment';
