// Reading whole-number settings (retries, timeouts, test aids) from an environment map.

/** A whole number >= 0 from the environment variable `name`, or undefined when unset, empty or invalid. */
export function readEnvCount(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0 ? value : undefined;
}
