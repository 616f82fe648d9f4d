// The cross-cutting pieces every layer uses: errors, option checking, cancellation, timing, seeds, memory guard.
export * from './errors';
export * from './options';
export * from './async';
export * from './timer';
export * from './seed';
export * from './memory';
