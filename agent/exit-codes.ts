/** Process exit codes of batch-agent; start scripts and service managers branch on them. */
export const EXIT_OK = 0;
/** Unexpected internal failure. */
export const EXIT_FAILURE = 1;
/** Bad flags or environment: fix the configuration, restarting will not help. */
export const EXIT_BAD_CONFIG = 2;
/** The controller refused this agent for good (protocol too old, credential revoked, node terminated). */
export const EXIT_REJECTED = 3;
