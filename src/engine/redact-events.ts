// Redacts the text of run events (errors, warnings, progress, reasons) before any subscriber sees them.
import { redact, secretsInEnv } from '../providers/redact.ts';
import type { RunEvent } from './events.ts';

/**
 * A redactor for one run: provider error messages are printed as received, and a gateway may echo the key.
 * Every text field of an event passes through it; run records (lock entries) and output hashes do not, since they
 * hold no messages and must stay byte-identical to what the keys were computed from.
 */
export function makeEventRedactor(env: Record<string, string | undefined>): (event: RunEvent) => RunEvent {
  const secrets = secretsInEnv(env);
  const clean = (text: string) => redact(text, secrets);
  return (event) => {
    switch (event.type) {
      case 'run:waiting':
        return { ...event, message: clean(event.message) };
      case 'stage:start':
        return { ...event, reasons: event.reasons.map(clean) };
      case 'stage:progress':
        return { ...event, detail: clean(event.detail) };
      case 'stage:warning':
      case 'stage:notice':
        return { ...event, message: clean(event.message) };
      case 'stage:end':
        return {
          ...event,
          reasons: event.reasons.map(clean),
          error: event.error === null ? null : clean(event.error),
          ...(event.summary === undefined ? {} : { summary: clean(event.summary) }),
        };
      default:
        return event;
    }
  };
}
