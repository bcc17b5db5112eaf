import type { Random } from '../../src/domain/retry-policy.js';

/**
 * mulberry32: a tiny deterministic PRNG with Math.random's contract (a number in [0, 1)). The same
 * seed always yields the same sequence, so a statistical assertion over its draws cannot flake.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A "random" that always returns `value`: pins the jitter to an end of its range. */
export function constantRandom(value: number): Random {
  return () => value;
}

/** The largest double below 1, i.e. the top of Math.random's range. */
export const ALMOST_ONE = 1 - 2 ** -53;
