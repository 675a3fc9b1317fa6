// Reading provider settings from the environment.

/** A whole number >= 0 from the environment variable `name`, or undefined when unset or invalid. */
export function readEnvCount(env: Record<string, string | undefined>, name: string): number | undefined {
  const value = Number(env[name]);
  return env[name] && Number.isInteger(value) && value >= 0 ? value : undefined;
}
