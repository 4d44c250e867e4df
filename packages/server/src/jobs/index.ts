export type { BackgroundJob } from './job.js';
export { createJobs, type Jobs } from './registry.js';
export { createPeriodicJob, type PeriodicJobOptions } from './periodic.js';
export { yieldToEventLoop } from './yield.js';
