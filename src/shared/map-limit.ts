// Runs an async function over items with at most `limit` calls in flight, keeping the results in order.

/**
 * `fn` applied to every item, at most `limit` at a time (thousands of files must not open thousands of descriptors
 * at once). Rejects with the first error; calls already started are left to finish.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
