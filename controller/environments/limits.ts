/** How many nodes an auto environment may have at once when its creator does not say. */
export const DEFAULT_AUTO_MAX_NODES = 10;
