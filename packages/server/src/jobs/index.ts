export type { BackgroundJob } from './job.js';
export { createJobs, type Jobs } from './registry.js';
export { createPeriodicJob, type PeriodicJobOptions } from './periodic.js';
export { createSlicedQueue, type SlicedQueue, type SlicedQueueOptions } from './sliced-queue.js';
export { mapInSlices, yieldToEventLoop } from './yield.js';
