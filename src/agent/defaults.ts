/** Defaults of the agent that its command line shows without loading the agent. */
export const DEFAULT_CONCURRENCY = 8;
