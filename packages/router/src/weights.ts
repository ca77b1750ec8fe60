import { BUCKET_COUNT, MAX_VERSIONS } from './bucket.ts';

/** One version's share of traffic in integer basis points (10000 = 100 %). */
export interface WeightEntry {
  versionId: string;
  weight: number;
}

/**
 * A traffic split. Valid weights (see `validateWeights`) have entries with weight > 0 summing to
 * exactly 10000; their order is the version order of the bucket map derived from them.
 */
export type Weights = readonly WeightEntry[];

/**
 * Checks a traffic split: every weight an integer >= 0, no duplicate version ids, at least one
 * weight above 0, at most 255 versions above 0, and a sum of exactly 10000.
 * Returns null when valid, else a message fit to show the user.
 */
export function validateWeights(w: Weights): string | null {
  if (!Array.isArray(w)) return 'weights must be a list of { versionId, weight } entries';
  const seen = new Set<string>();
  let sum = 0;
  let positive = 0;
  for (const [i, entry] of w.entries()) {
    const problem = entryProblem(entry, i);
    if (problem !== null) return problem;
    if (seen.has(entry.versionId)) return `version "${entry.versionId}" appears more than once`;
    seen.add(entry.versionId);
    sum += entry.weight;
    if (entry.weight > 0) positive++;
  }
  if (positive === 0) return 'at least one version needs a weight above 0';
  if (positive > MAX_VERSIONS) {
    return `at most ${MAX_VERSIONS} versions can receive traffic at once, got ${positive}`;
  }
  if (sum !== BUCKET_COUNT) {
    return `weights must add up to ${BUCKET_COUNT} basis points (100 %), got ${sum}`;
  }
  return null;
}

function entryProblem(entry: WeightEntry, i: number): string | null {
  if (typeof entry !== 'object' || entry === null) return `entry ${i} is not a { versionId, weight } object`;
  if (typeof entry.versionId !== 'string' || entry.versionId === '') {
    return `entry ${i} needs a non-empty string versionId`;
  }
  const { versionId, weight } = entry;
  if (typeof weight !== 'number' || !Number.isSafeInteger(weight)) {
    return `weight of "${versionId}" must be a whole number of basis points, got ${String(weight)}`;
  }
  if (weight < 0) return `weight of "${versionId}" must not be negative, got ${weight}`;
  return null;
}

/** The entries with weight > 0, in their original order (fresh objects, extra fields dropped). */
export function normalizeWeights(w: Weights): Weights {
  return w.filter((e) => e.weight > 0).map((e) => ({ versionId: e.versionId, weight: e.weight }));
}

/**
 * Scales `w` proportionally so the weights sum to exactly `total`, entry for entry in the same
 * order (zero weights stay zero). Uses the largest-remainder method: each result is the exact
 * share rounded down or up, so it is within 1 of the exact value; leftover units go to the
 * largest remainders, ties to the earlier entry. Throws RangeError on negative or fractional
 * input, or when weights summing to 0 would have to reach a non-zero total.
 */
export function scaleProportionally(w: Weights, total: number): Weights {
  if (!Number.isSafeInteger(total) || total < 0) {
    throw new RangeError(`total must be a whole number >= 0, got ${total}`);
  }
  let sum = 0;
  for (const e of w) {
    if (!Number.isSafeInteger(e.weight) || e.weight < 0) {
      throw new RangeError(`weight of "${e.versionId}" must be a whole number >= 0, got ${e.weight}`);
    }
    sum += e.weight;
  }
  if (sum === 0) {
    if (total === 0) return w.map((e) => ({ versionId: e.versionId, weight: 0 }));
    throw new RangeError(`cannot scale weights that add up to 0 to a total of ${total}`);
  }
  // Integer arithmetic keeps the remainders exact, so ties are real ties and break by order.
  if (!Number.isSafeInteger(sum * total)) throw new RangeError('weights too large to scale exactly');
  const floors = w.map((e) => Math.floor((e.weight * total) / sum));
  const remainders = w.map((e, i) => e.weight * total - (floors[i] ?? 0) * sum);
  let leftover = total - floors.reduce((a, b) => a + b, 0);
  const order = w.map((_, i) => i).sort((a, b) => (remainders[b] ?? 0) - (remainders[a] ?? 0) || a - b);
  for (const i of order) {
    if (leftover === 0) break;
    floors[i] = (floors[i] ?? 0) + 1;
    leftover--;
  }
  return w.map((e, i) => ({ versionId: e.versionId, weight: floors[i] ?? 0 }));
}

/**
 * The split after setting `versionId` to `weight` basis points: the other versions share the
 * remaining `10000 - weight` in proportion to their current weights (largest remainder). A new
 * version is appended at the end. The result is normalized: zero weights are dropped.
 * Throws RangeError if `weight` is not a whole number in 0..10000, or if it is below 10000 while
 * no other version has weight to take the rest.
 */
export function canaryWeights(current: Weights, versionId: string, weight: number): Weights {
  if (typeof versionId !== 'string' || versionId === '') {
    throw new RangeError('versionId must be a non-empty string');
  }
  if (!Number.isSafeInteger(weight) || weight < 0 || weight > BUCKET_COUNT) {
    throw new RangeError(
      `weight must be a whole number of basis points in 0..${BUCKET_COUNT}, got ${weight}`,
    );
  }
  const others = current.filter((e) => e.versionId !== versionId && e.weight > 0);
  if (new Set(others.map((e) => e.versionId)).size !== others.length) {
    throw new RangeError('current weights list a version more than once');
  }
  if (weight === BUCKET_COUNT) return [{ versionId, weight }];
  if (others.length === 0) {
    throw new RangeError(
      `cannot give "${versionId}" ${weight} basis points: no other version has traffic to take the remaining ${BUCKET_COUNT - weight}`,
    );
  }
  const scaled = new Map(scaleProportionally(others, BUCKET_COUNT - weight).map((e) => [e.versionId, e]));
  const result: WeightEntry[] = [];
  let placed = false;
  for (const e of current) {
    if (e.versionId === versionId) {
      if (!placed) result.push({ versionId, weight });
      placed = true;
    } else {
      const s = scaled.get(e.versionId);
      if (s !== undefined) result.push(s);
    }
  }
  if (!placed) result.push({ versionId, weight });
  return normalizeWeights(result);
}
