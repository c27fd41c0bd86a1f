/** "did you mean …?" hints for misspelt keys, module names and handler names. */

/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions ("whne" is 1 from "when"). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate, if it is close enough to be a plausible typo (case-insensitive). */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const hit = closest(word, candidates);
  return hit ? ` (did you mean '${hit}'?)` : '';
}

/**
 * The `count` candidates nearest to `word`: those that contain it or that it contains first, then by edit
 * distance, then by name. For "unknown module" messages, which name a few instead of listing every module.
 */
export function closestFew(word: string, candidates: Iterable<string>, count = 3): string[] {
  const w = word.toLowerCase();
  const scored = [...new Set(candidates)].map((c) => {
    const l = c.toLowerCase();
    return { c, contains: l.includes(w) || w.includes(l) ? 0 : 1, d: editDistance(w, l) };
  });
  scored.sort((a, b) => a.contains - b.contains || a.d - b.d || (a.c < b.c ? -1 : a.c > b.c ? 1 : 0));
  return scored.slice(0, count).map((x) => x.c);
}
