export { resolve } from './resolve.js';
export type * from './policy.js';
export { Code as ModelCode } from './codes.js';
export { clusterEnabled, ENABLE_WINDOW_SECONDS } from './options.js';
export { clusterSetId, guestSetId, ipfilterName } from './sets.js';
export { portName } from './guests.js';
export * from './values.js';
export { ResolveMemo } from './memo.js';
