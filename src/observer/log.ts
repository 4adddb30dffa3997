import { describeError } from '../errors.js';
import type { RuntimeEvent } from '../events.js';

/**
 * One runtime event as a line of the observer's log: the type, the path and a short text.
 * Never the message payloads themselves (they may be large or private): only their type
 * names, reasons and error messages, each cut to a bounded length.
 */

/** Longest text of a log line. */
export const LOG_TEXT_LIMIT = 240;

/** The short text of an event. */
export function summariseEvent(event: RuntimeEvent): string {
  const e = event as unknown as Record<string, unknown>;
  let text: string;
  switch (event.type) {
    case 'actor-started':
      text = `started (${str(e['actorType'])})`;
      break;
    case 'actor-stopped': {
      const dropped = Number(e['droppedMessages'] ?? 0);
      text = dropped > 0 ? `stopped; ${dropped} queued messages went to dead letters` : 'stopped';
      break;
    }
    case 'actor-failed':
      text = `failed handling ${str(e['messageType'])}: ${describeError(e['error'])}`;
      break;
    case 'actor-restarted':
      text = `restarted (restart ${str(e['restartCount'])}): ${describeError(e['error'])}`;
      break;
    case 'actor-resumed':
      text = `resumed after: ${describeError(e['error'])}`;
      break;
    case 'supervisor-decision':
      text = `${str(e['directive'])} ${str(e['child'])}: ${describeError(e['error'])}`;
      break;
    case 'dead-letter':
      text = `dead letter ${str(e['messageType'])} (${str(e['reason'])})${e['wasAsk'] === true ? ', ask rejected' : ''}`;
      break;
    case 'mailbox-overflow':
      text = `mailbox full (capacity ${str(e['capacity'])}, ${str(e['policy'])}): ${str(e['messageType'])}`;
      break;
    case 'system-terminating':
      text = `system terminating: ${str(e['reason'])}`;
      break;
    case 'stop-abandoned':
      text = `postStop did not settle within ${str(e['afterMs'])} ms; stopped without it`;
      break;
    case 'circuit-changed':
      text = `${str(e['level'])} breaker ${str(e['from'])} -> ${str(e['to'])}`;
      break;
    case 'degradation-changed':
      text = `mode ${str(e['from'])} -> ${str(e['to'])}`;
      break;
    case 'observer-action':
      text = `${str(e['action'])} ${str(e['outcome'])}: ${str(e['text'])}`;
      break;
    default:
      text = primitiveFields(e);
  }
  return text.length > LOG_TEXT_LIMIT ? `${text.slice(0, LOG_TEXT_LIMIT - 1)}…` : text;
}

function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return value === undefined || value === null ? '?' : typeof value;
}

/** An extension event: its primitive fields (key=value), objects left out. */
function primitiveFields(event: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(event)) {
    if (key === 'type' || key === 'path' || key === 'timestamp') continue;
    const t = typeof value;
    if (t === 'string' || t === 'number' || t === 'boolean') parts.push(`${key}=${String(value).slice(0, 60)}`);
    if (parts.length >= 8) break;
  }
  return parts.join(' ');
}
