/**
 * What the estate's entities do (pure, per kind: ADR 0007). Agents scan hosts, probe
 * services, and take the credentials a store holds; segments only answer reads.
 */
import type { EntityKinds, JsonValue } from '../../src/index.js';

const fields = (state: JsonValue | undefined): Record<string, JsonValue> => (typeof state === 'object' && state !== null && !Array.isArray(state) ? state : {});
const count = (state: JsonValue | undefined, key: string): number => (typeof fields(state)[key] === 'number' ? (fields(state)[key] as number) : 0);

export const ESTATE_KINDS: EntityKinds = {
  host: {
    read: (state) => ({ scans: count(state, 'scans') }),
    act(state, action, entity) {
      if (action.type !== 'scan') throw new Error(`host ${entity}: unknown action '${action.type}' (expected scan)`);
      const scans = count(state, 'scans') + 1;
      return { state: { ...fields(state), scans }, reply: { scans } };
    },
  },
  service: {
    act(state, action, entity, agent) {
      if (action.type !== 'probe') throw new Error(`service ${entity}: unknown action '${action.type}' (expected probe)`);
      const probes = count(state, 'probes') + 1;
      return { state: { ...fields(state), probes, lastProbe: agent.id }, reply: { probes } };
    },
  },
  'credential-store': {
    // A read shows how many credentials there are, not what they are: taking them is an action.
    read: (state) => ({ credentials: Array.isArray(fields(state).credentials) ? (fields(state).credentials as JsonValue[]).length : 0, taken: count(state, 'taken') }),
    act(state, action, entity) {
      if (action.type !== 'take') throw new Error(`credential-store ${entity}: unknown action '${action.type}' (expected take)`);
      const list = fields(state).credentials;
      const credentials = Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string') : [];
      const taken = count(state, 'taken') + 1;
      return { state: { ...fields(state), taken }, reply: { taken: credentials.length }, grants: credentials };
    },
  },
};
