// Values printed as Python prints them (repr), for log lines shaped like Hugging Face Trainer's `print(dict)`.

/**
 * A float as Python's repr(): the shortest digits that read back to the same double (as JavaScript's), in fixed
 * notation for exponents from -4 to 15 and always with a decimal point (`1.0`), else `d.ddde-05` / `1e+16`.
 */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const sign = x < 0 ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const significand = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${significand}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  return `${sign}${digits.slice(0, exp + 1).padEnd(exp + 1, '0')}.${digits.slice(exp + 1) || '0'}`;
}

/** A str as Python's repr(): single quotes unless the text holds a single quote and no double one. */
export function pythonString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/[\\\n\r\t]|[\x00-\x1f\x7f]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
}

/** A dict of floats as Python prints it: `{'loss': 0.6931, 'epoch': 0.5}`, in the record's key order. */
export function pythonFloatDict(record: Record<string, number>): string {
  return `{${Object.entries(record).map(([k, v]) => `${pythonString(k)}: ${pythonFloat(v)}`).join(', ')}}`;
}

/** Python's round(x, digits) for the values logs show (ties go as the decimal expansion rounds them). */
export function roundTo(x: number, digits: number): number {
  return Number.isFinite(x) ? Number(x.toFixed(digits)) : x;
}
