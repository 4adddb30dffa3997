import type { EntityKinds, JsonValue } from '../../src/index.js';

/**
 * Entity kinds for the realizer tests: deterministic, and covering what can differ between a
 * lazy and a fully realized world: state that accumulates (counter), answers that depend on
 * who acts (guestbook), credentials handed over (store), an action that throws on some states
 * (counter 'risky'), and a kind with no behaviour at all (rock).
 */
const record = (state: JsonValue | undefined): Record<string, JsonValue> => (typeof state === 'object' && state !== null && !Array.isArray(state) ? state : {});

export const TEST_KINDS: EntityKinds = {
  counter: {
    act(state, action) {
      const n = typeof record(state).n === 'number' ? (record(state).n as number) : 0;
      if (action.type === 'inc') {
        const by = typeof action.by === 'number' ? action.by : 1;
        return { state: { n: n + by }, reply: n + by };
      }
      if (action.type === 'risky') {
        if (n % 2 === 1) throw new Error(`odd count ${n}`);
        return { state: { n: n + 1 }, reply: 'ok' };
      }
      throw new Error(`counter: unknown action '${action.type}'`);
    },
  },
  guestbook: {
    read: (state) => (Array.isArray(record(state).guests) ? (record(state).guests as JsonValue[]).length : 0),
    act(state, action, entity, agent) {
      const guests = Array.isArray(record(state).guests) ? (record(state).guests as JsonValue[]) : [];
      if (action.type !== 'sign') throw new Error(`guestbook ${entity}: unknown action '${action.type}'`);
      return { state: { guests: [...guests, agent.id] }, reply: { signed: guests.length + 1, holds: [...agent.holdings].sort() } };
    },
  },
  store: {
    act(state, action) {
      const credentials = Array.isArray(record(state).credentials) ? (record(state).credentials as string[]) : [];
      const taken = typeof record(state).taken === 'number' ? (record(state).taken as number) : 0;
      if (action.type !== 'take') throw new Error(`store: unknown action '${action.type}'`);
      return { state: { credentials, taken: taken + 1 }, reply: taken + 1, grants: credentials };
    },
  },
};
