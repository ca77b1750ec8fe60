/** Indices of the k largest scores, best first; ties go to the lower index. */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b)
    .slice(0, k);
}

/** Share of rows whose label is among the k best-scored classes. */
export function hitRateAtK(
  scores: readonly ArrayLike<number>[],
  labels: readonly number[],
  k: number,
): number {
  let hits = 0;
  scores.forEach((s, n) => {
    if (topK(s, k).includes(labels[n] ?? -1)) hits++;
  });
  return hits / scores.length;
}

/** Share of rows whose label is the best-scored class. */
export function accuracy(scores: readonly ArrayLike<number>[], labels: readonly number[]): number {
  return hitRateAtK(scores, labels, 1);
}

/** Area under the ROC curve by the rank-sum (Mann-Whitney) formula, ties counted half. */
export function auc(probabilities: readonly number[], labels: readonly (0 | 1)[]): number {
  const order = probabilities.map((p, i) => ({ p, y: labels[i] ?? 0 })).sort((a, b) => a.p - b.p);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]?.p === order[i]?.p) j++;
    const midRank = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) {
      if (order[t]?.y === 1) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j;
  }
  const negatives = order.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Share of 0/1 labels matched by thresholding probabilities at 0.5. */
export function binaryAccuracy(probabilities: readonly number[], labels: readonly (0 | 1)[]): number {
  let right = 0;
  probabilities.forEach((p, i) => {
    if ((p >= 0.5 ? 1 : 0) === labels[i]) right++;
  });
  return right / probabilities.length;
}

/** Rounds a metric for the manifest so it reads cleanly and stays byte-stable. */
export function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}
