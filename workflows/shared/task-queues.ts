/** The default task queue; deployments and test files may override it through configuration. */
export const DEFAULT_TASK_QUEUE = 'switchboard';
