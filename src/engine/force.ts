// The one `--force` test of plan, execute, the streaming pass and the stage context.

/** Whether `--force` (all stages when true, else the listed ids) forces stage `id` to run. */
export function isForced(force: boolean | string[] | undefined, id: string): boolean {
  return force === true || (Array.isArray(force) && force.includes(id));
}
