// TrainerLora.target_modules (`all-linear`, or names joined by commas) read once for every format.

/** `all-linear`, or the module names in order, trimmed, without empty entries. */
export function loraTargets(targetModules: string): 'all-linear' | string[] {
  const names = targetModules
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return names.length === 1 && names[0] === 'all-linear' ? 'all-linear' : names;
}
