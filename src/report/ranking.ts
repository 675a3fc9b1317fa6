// Ranking metrics of binary scores: AUROC (Mann-Whitney with tied ranks) and average precision.

/**
 * Area under the ROC curve: the probability that a random positive outranks a random negative,
 * ties counting one half. Null when there are no positives or no negatives.
 */
export function computeAuroc(scores: number[], positives: boolean[]): number | null {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSum = 0;
  let nPos = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (positives[order[k]!]) {
        rankSum += averageRank;
        nPos++;
      }
    }
    start = end + 1;
  }
  const nNeg = scores.length - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Average precision, as sklearn's average_precision_score: sum over distinct score thresholds,
 * highest first, of (recall gained) x (precision at that threshold). Null when there are no positives.
 */
export function computeAveragePrecision(scores: number[], positives: boolean[]): number | null {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const nPos = positives.filter(Boolean).length;
  if (nPos === 0) return null;
  let tp = 0;
  let fp = 0;
  let previousRecall = 0;
  let ap = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end++;
    for (let k = start; k <= end; k++) {
      if (positives[order[k]!]) tp++;
      else fp++;
    }
    const recall = tp / nPos;
    ap += (recall - previousRecall) * (tp / (tp + fp));
    previousRecall = recall;
    start = end + 1;
  }
  return ap;
}
