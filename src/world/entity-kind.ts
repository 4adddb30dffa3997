import type { JsonValue } from './types.js';

/**
 * Entity behaviour, one pure function per kind (ADR 0007): `(state, action) -> (state',
 * reply)`. The hot tier's entity actor and the realizer's warm answer both call exactly this
 * function on exactly the same state, which is why lazy realization cannot change an outcome.
 * A kind must be deterministic: no clock, no Math.random (randomness lives in the state, seeded
 * by the world's generator).
 */

/** An action an agent performs on an entity: plain JSON with a `type`. */
export interface EntityAction {
  readonly type: string;
  readonly [key: string]: JsonValue;
}

/** What an action did: the entity's next state, the agent's reply, and credentials handed over. */
export interface EntityOutcome {
  /** The next state (undefined: the entity keeps no state). */
  readonly state: JsonValue | undefined;
  /** What the agent observes. */
  readonly reply: JsonValue;
  /** Credential names the agent gains by this action (a credential store handing out a key). */
  readonly grants?: readonly string[];
}

/** Who acts, for kinds whose answer depends on it. */
export interface ActingAgent {
  readonly id: string;
  readonly holdings: ReadonlySet<string>;
}

/** The behaviour of one kind of entity. */
export interface EntityKind {
  /** What a read observes. Default: the state itself (null when there is none). */
  read?(state: JsonValue | undefined, entity: string): JsonValue;
  /** Applies an action. Throwing fails the action (the hot actor fails and is restarted from its last committed state). */
  act(state: JsonValue | undefined, action: EntityAction, entity: string, agent: ActingAgent): EntityOutcome;
}

/** Kinds by name. An entity whose kind has no entry can be read, not acted on. */
export type EntityKinds = Readonly<Record<string, EntityKind>>;

/** What a read of an entity of `kind` observes. */
export function readEntity(kinds: EntityKinds, kind: string, state: JsonValue | undefined, entity: string): JsonValue {
  const behaviour = Object.hasOwn(kinds, kind) ? kinds[kind] : undefined;
  if (behaviour?.read !== undefined) return behaviour.read(state, entity);
  return state === undefined ? null : state;
}

/** The behaviour of `kind`, or undefined (such entities cannot be acted on). */
export function kindBehaviour(kinds: EntityKinds, kind: string): EntityKind | undefined {
  return Object.hasOwn(kinds, kind) ? kinds[kind] : undefined;
}

/** The message of whatever a kind threw (observations carry it, so it must be stable). */
export function failureMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
