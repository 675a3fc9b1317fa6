// An SDK client that records the HTTP status of every response it receives (retries included): how many 429s a
// server sent, seen from the client, without a proxy in between.
import OpenAI from 'openai';

/** An OpenAI client for `baseURL` and the statuses of its responses so far, in arrival order. */
export function countingClient(o: { apiKey: string; baseURL: string; maxRetries?: number }): { client: OpenAI; statuses: number[] } {
  const statuses: number[] = [];
  const client = new OpenAI({
    apiKey: o.apiKey, baseURL: o.baseURL, maxRetries: o.maxRetries ?? 2,
    fetch: async (url, init) => {
      const response = await fetch(url, init);
      statuses.push(response.status);
      return response;
    },
  });
  return { client, statuses };
}

/** How many of `statuses` are 429. */
export const count429 = (statuses: number[]): number => statuses.filter((s) => s === 429).length;
