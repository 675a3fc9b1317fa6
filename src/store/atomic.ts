// Moved to src/shared/atomic-write.ts (issue 16). Kept only for src/engine/pipeline-cache.ts, which another change
// is rewriting; delete once it imports ../shared/atomic-write.ts.
export { writeFileAtomic } from '../shared/atomic-write.ts';
