/**
 * Deciding a paired comparison from per-image differences: a seeded paired bootstrap of
 * the mean difference with a 95% percentile interval, and the decision rules the
 * reproduction's claims use.
 *
 * - A "better" claim (A beats B) is *held* when the interval of mean(A − B) lies above 0,
 *   *did not hold* when it lies below 0, *inconclusive* otherwise.
 * - An "about as well" claim (A ≈ B) is an equivalence test with margin `m`: *held* when
 *   the interval lies inside (−m, m), *did not hold* when it lies wholly outside it,
 *   *inconclusive* otherwise.
 *
 * Several seeds are pooled: the differences of every (seed, image) pair are resampled
 * together, stratified by seed so each resample keeps each seed's count.
 *
 * @module
 */

/** The outcome of a claim. */
export type Decision = "held" | "did not hold" | "inconclusive";

/** What {@link pairedBootstrap} returns. */
export interface BootstrapInterval {
  /** Mean of the observed differences. */
  mean: number;
  /** Lower end of the percentile interval. */
  low: number;
  /** Upper end of the percentile interval. */
  high: number;
  /** Confidence level (0.95). */
  level: number;
  /** Resamples drawn. */
  resamples: number;
  /** Differences pooled (all seeds). */
  count: number;
  /** Seeds (groups) pooled. */
  groups: number;
}

/** Options of {@link pairedBootstrap}. */
export interface BootstrapOptions {
  /** Resamples (default 2000; at least 2000 are drawn). */
  resamples?: number;
  /** Seed of the resampling generator (default 1). */
  seed?: number;
  /** Confidence level (default 0.95). */
  level?: number;
}

/** The smallest number of resamples the claims accept. */
export const MIN_RESAMPLES = 2000;

/** The default equivalence margin of "about as well" claims, in the metric's points. */
export const EQUIVALENCE_MARGIN = 0.5;

/** A seeded 32-bit generator (mulberry32), uniform in [0, 1). */
function generator(seed: number): () => number {
  let a = (seed >>> 0) || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The `q`-quantile (0..1) of sorted values, linear between order statistics. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * The paired bootstrap of the mean of `differences`: one array of per-image differences
 * (A − B on the same images) per seed. Each resample draws, within every seed, as many
 * images with replacement as it has, and takes the mean of all drawn differences.
 * Deterministic for a given `seed`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const r = pairedBootstrap([[1, 2, 3, 2, 1, 2]], { seed: 3 });
 * assert.ok(r.low > 0 && r.high < 3 && r.mean === 11 / 6);
 * ```
 */
export function pairedBootstrap(
  differences: readonly (readonly number[])[],
  options: BootstrapOptions = {},
): BootstrapInterval {
  const groups = differences.filter((g) => g.length > 0);
  const count = groups.reduce((n, g) => n + g.length, 0);
  if (count === 0) {
    throw new Error("Cannot bootstrap an empty set of paired differences: expected ≥ 1 image");
  }
  for (const g of groups) {
    for (const d of g) {
      if (!Number.isFinite(d)) {
        throw new Error(`Cannot bootstrap the paired difference ${d}: expected finite numbers`);
      }
    }
  }
  const resamples = Math.max(MIN_RESAMPLES, Math.floor(options.resamples ?? MIN_RESAMPLES));
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) {
    throw new Error(`Invalid bootstrap level ${level}: expected a number in (0, 1)`);
  }
  const random = generator(options.seed ?? 1);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (const g of groups) {
      const n = g.length;
      for (let i = 0; i < n; i++) sum += g[Math.floor(random() * n)]!;
    }
    means[r] = sum / count;
  }
  means.sort();
  let total = 0;
  for (const g of groups) for (const d of g) total += d;
  const alpha = (1 - level) / 2;
  return {
    mean: total / count,
    low: quantile(means, alpha),
    high: quantile(means, 1 - alpha),
    level,
    resamples,
    count,
    groups: groups.length,
  };
}

/**
 * The decision of "A beats B" from the interval of mean(A − B): held above 0, did not
 * hold below 0, inconclusive when it contains 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(decideBetter({ low: 0.1, high: 0.4 }) === "held");
 * assert.ok(decideBetter({ low: -0.1, high: 0.4 }) === "inconclusive");
 * ```
 */
export function decideBetter(interval: { low: number; high: number }): Decision {
  if (interval.low > 0) return "held";
  if (interval.high < 0) return "did not hold";
  return "inconclusive";
}

/**
 * The decision of "A performs about as well as B" from the interval of mean(A − B) and an
 * equivalence margin: held when the interval lies inside (−margin, margin), did not hold
 * when it lies wholly outside it, inconclusive otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(decideEquivalent({ low: -0.2, high: 0.3 }, 0.5) === "held");
 * assert.ok(decideEquivalent({ low: 0.7, high: 1.2 }, 0.5) === "did not hold");
 * ```
 */
export function decideEquivalent(
  interval: { low: number; high: number },
  margin: number = EQUIVALENCE_MARGIN,
): Decision {
  if (!(margin > 0)) throw new Error(`Invalid equivalence margin ${margin}: expected > 0`);
  if (interval.low > -margin && interval.high < margin) return "held";
  if (interval.low >= margin || interval.high <= -margin) return "did not hold";
  return "inconclusive";
}

/**
 * The decision of "A performs as well as (or better than) B" — non-inferiority with
 * `margin`: held when the interval of mean(A − B) lies above −margin, did not hold when it
 * lies below −margin, inconclusive otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(decideNonInferior({ low: -0.3, high: 0.9 }, 0.5) === "held");
 * assert.ok(decideNonInferior({ low: -1.3, high: -0.6 }, 0.5) === "did not hold");
 * ```
 */
export function decideNonInferior(
  interval: { low: number; high: number },
  margin: number = EQUIVALENCE_MARGIN,
): Decision {
  if (!(margin > 0)) throw new Error(`Invalid non-inferiority margin ${margin}: expected > 0`);
  if (interval.low > -margin) return "held";
  if (interval.high < -margin) return "did not hold";
  return "inconclusive";
}
