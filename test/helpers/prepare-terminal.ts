// Test helper: `tunefile prepare` in-process with a terminal-like stdin that answers its questions.
import { PassThrough, Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';

/** `prepare` in-process with a terminal-like stdin; `answer` replies to each question (null: the default). */
export async function prepareOnTerminal(args: string[], cwd: string, answer: (question: string) => string) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  const questions: string[] = [];
  let out = '';
  const stdout = new Writable({
    write(chunk, _enc, done) {
      const text = String(chunk);
      out += text;
      if (/\[(Y\/n|y\/N)\]: $/.test(text)) {
        questions.push(text.trim());
        stdin.write(`${answer(text.trim())}\n`);
      }
      done();
    },
  });
  let err = '';
  const stderr = new Writable({ write: (c, _e, done) => void ((err += String(c)), done()) });
  const code = await main(['prepare', ...args], { stdin, stdout, stderr, cwd, env: {}, signal: new AbortController().signal, debug: false });
  return { code, out, err, questions };
}
