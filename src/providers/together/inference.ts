// Together's OpenAI-compatible inference, spoken as OpenAI's: evaluate asks chat completions the OpenAI way
// (`logprobs: true`, `top_logprobs: k`), Together's document takes `logprobs: k` (an integer, 0 to 20) and answers
// LogprobsPart (`tokens`, `token_logprobs`, and `top_logprobs` as token -> logprob maps). A fetch wrapper on the
// OpenAI client translates both ways, so the stages read one shape for every provider.

type Fetch = typeof fetch;

interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: null;
  top_logprobs: { token: string; logprob: number; bytes: null }[];
}

/** OpenAI's chat request as Together's: `logprobs: true` + `top_logprobs: k` becomes `logprobs: k`. */
export function togetherChatRequest(body: Record<string, unknown>): Record<string, unknown> {
  const { logprobs, top_logprobs: top, ...rest } = body;
  if (logprobs === true) return { ...rest, logprobs: typeof top === 'number' ? top : 1 };
  return rest;
}

const alternativesOf = (map: unknown): TokenLogprob['top_logprobs'] =>
  map && typeof map === 'object' ? Object.entries(map as Record<string, unknown>).filter(([, v]) => typeof v === 'number').map(([token, logprob]) => ({ token, logprob: logprob as number, bytes: null })) : [];

/**
 * Together's LogprobsPart as OpenAI's `{content: [...]}`. `top_logprobs` is one map in Together's document (taken as
 * the first token's alternatives) or, as in the legacy completions shape, one map per token: both are read.
 */
export function openAiLogprobs(part: unknown): { content: TokenLogprob[] } | null {
  if (!part || typeof part !== 'object') return null;
  const { tokens, token_logprobs: logprobs, top_logprobs: top } = part as { tokens?: unknown; token_logprobs?: unknown; top_logprobs?: unknown };
  if (!Array.isArray(tokens) || !Array.isArray(logprobs)) return null;
  return {
    content: tokens.map((token, i) => ({
      token: String(token),
      logprob: typeof logprobs[i] === 'number' ? logprobs[i] : Number.NaN,
      bytes: null,
      top_logprobs: alternativesOf(Array.isArray(top) ? top[i] : i === 0 ? top : undefined),
    })),
  };
}

/** A fetch for the OpenAI client on Together's base URL that translates chat completions (not streamed ones). */
export function togetherFetch(next: Fetch = fetch): Fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!/\/chat\/completions(\?|$)/.test(url) || typeof init?.body !== 'string') return next(input, init);
    const request = JSON.parse(init.body) as Record<string, unknown>;
    if (request.stream === true) return next(input, init);
    const response = await next(input, { ...init, body: JSON.stringify(togetherChatRequest(request)) });
    if (!response.ok || !response.headers.get('content-type')?.includes('json')) return response;
    const answer = (await response.json()) as { choices?: { logprobs?: unknown }[] };
    for (const choice of answer.choices ?? []) if (choice.logprobs !== undefined) choice.logprobs = openAiLogprobs(choice.logprobs);
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(JSON.stringify(answer), { status: response.status, statusText: response.statusText, headers });
  };
}
