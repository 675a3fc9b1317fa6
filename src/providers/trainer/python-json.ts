// JSON as Python's json module writes it: standard JSON, except that NaN and infinities are written bare.
import { DataError } from '../../errors.ts';

/** Python's bare NaN, Infinity and -Infinity outside strings. */
const PYTHON_CONSTANTS = /"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/g;

/**
 * Parses `text` as Python's json writes it (a trainer's trainer_state.json with a NaN loss), those constants read as
 * null. `where` names the file (and line) in the error.
 * @throws DataError when the text is not JSON even so.
 */
export function parsePythonJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text.replace(PYTHON_CONSTANTS, (match, constant: string | undefined) => (constant === undefined ? match : 'null')));
  } catch (error) {
    throw new DataError(`${where}: not JSON (${(error as Error).message})`, { cause: error });
  }
}
