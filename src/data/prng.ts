// Moved to src/shared/prng.ts (issue 16). Kept only for test/reliability/crash.test.ts and bench/generate.ts, which import this path;
// delete once those imports name src/shared/prng.ts.
export { Xoshiro128, shuffleInPlace } from '../shared/prng.ts';
