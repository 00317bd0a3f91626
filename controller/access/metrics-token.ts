/** The scrape token (`BATCH_METRICS_TOKEN`): it reads /metrics and nothing else. */
import { hashSecret, secretMatches } from '../secrets.js';

/** Compared as sha256 hashes in constant time, like every other token. */
export function isMetricsToken(presented: string, configured: string): boolean {
  return secretMatches(presented, hashSecret(configured));
}
