import type { Candidate } from './rules.ts';

/**
 * Keeps, among overlapping candidates, the longest; on equal length the higher priority, then the
 * earlier start. Deterministic whatever order the rules ran in.
 */
export function resolveOverlaps(candidates: Candidate[]): Candidate[] {
  if (candidates.length <= 1) return candidates;
  candidates.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Candidate[] = [];
  // One array reused for every cluster (most clusters are one candidate; a new array each time is garbage).
  const cluster: Candidate[] = [];
  let clusterEnd = -1;
  const flush = (): void => {
    if (cluster.length === 1) {
      kept.push(cluster[0]!);
    } else if (cluster.length > 64) {
      // A hostile cluster (a value repeated back to back): a left-to-right sweep keeps the cost
      // linear; at each start the longest, then the more specific, wins.
      cluster.sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start) || b.priority - a.priority);
      let end = -1;
      for (const candidate of cluster) {
        if (candidate.start >= end) {
          kept.push(candidate);
          end = candidate.end;
        }
      }
    } else if (cluster.length > 1) {
      cluster.sort((a, b) => b.end - b.start - (a.end - a.start) || b.priority - a.priority || a.start - b.start);
      const chosen: Candidate[] = [];
      for (const candidate of cluster) {
        if (chosen.every((c) => candidate.end <= c.start || candidate.start >= c.end)) chosen.push(candidate);
      }
      chosen.sort((a, b) => a.start - b.start);
      for (const candidate of chosen) kept.push(candidate);
    }
    cluster.length = 0;
  };
  for (const candidate of candidates) {
    if (candidate.start >= clusterEnd) {
      flush();
      clusterEnd = candidate.end;
    } else {
      clusterEnd = Math.max(clusterEnd, candidate.end);
    }
    cluster.push(candidate);
  }
  flush();
  return kept;
}

