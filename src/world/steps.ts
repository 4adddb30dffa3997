import type { EntityAction } from './entity-kind.js';
import type { WorldTopology } from './topology.js';
import type { JsonValue } from './types.js';

/**
 * The agent actions of an oracle path and what each observes. Both the lazy realizer and the
 * fully realized world answer them with these rules, so the only difference between the two is
 * how entities are kept alive: exactly what the admission-equivalence verifier compares.
 */

/** One agent action. */
export type Step =
  /** Move along an edge from the agent's position to `to`. */
  | { readonly op: 'move'; readonly to: string }
  /** Gain a credential or capability by other means than an entity (a hand-over, a policy change). */
  | { readonly op: 'gain'; readonly name: string }
  /** Read an entity within the agent's sight (warm radius). */
  | { readonly op: 'read'; readonly entity: string }
  /** Act on an entity within the agent's sight. */
  | { readonly op: 'act'; readonly entity: string; readonly action: EntityAction };

/** Why a step was refused. */
export type RefusalReason =
  | 'unknown-agent'
  | 'agent-exists'
  | 'unknown-entity'
  | 'no-edge'
  | 'blocked'
  | 'out-of-reach'
  | 'no-behaviour'
  | 'entity-failed'
  /** A malformed step (unknown op, empty name). */
  | 'bad-step';

/** What a step observed: a success per op, or a refusal naming why. */
export type Observation =
  | { readonly ok: true; readonly op: 'join'; readonly agent: string; readonly position: string }
  | { readonly ok: true; readonly op: 'leave'; readonly agent: string }
  | { readonly ok: true; readonly op: 'move'; readonly position: string }
  | { readonly ok: true; readonly op: 'gain'; readonly name: string; readonly gained: boolean }
  | { readonly ok: true; readonly op: 'read'; readonly entity: string; readonly kind: string; readonly view: JsonValue }
  | { readonly ok: true; readonly op: 'act'; readonly entity: string; readonly reply: JsonValue; readonly granted: readonly string[] }
  | { readonly ok: false; readonly op: string; readonly reason: RefusalReason; readonly detail: string };

/** An agent's end state: where it stands and what it holds (sorted). */
export interface AgentEndState {
  readonly position: string;
  readonly holdings: readonly string[];
}

/** Every agent's and every entity's state at the end of a path (entities without state omitted). */
export interface WorldEndState {
  readonly agents: Readonly<Record<string, AgentEndState>>;
  readonly entities: Readonly<Record<string, JsonValue>>;
}

/** A refusal. */
export function refuse(op: string, reason: RefusalReason, detail: string): Observation {
  return { ok: false, op, reason, detail };
}

/**
 * The move rule: there must be an edge from `from` to `to` whose requirements the agent
 * holds. Returns the refusal, or undefined when the move is allowed.
 */
export function checkMove(world: WorldTopology, holdings: ReadonlySet<string>, from: string, to: string): Observation | undefined {
  if (!world.hasEntity(to)) return refuse('move', 'unknown-entity', `no entity '${to}'`);
  const edge = world.edge(from, to);
  if (edge === undefined) return refuse('move', 'no-edge', `no edge '${from}' -> '${to}'`);
  const missing = edge.requires.filter((name) => !holdings.has(name));
  if (missing.length > 0) return refuse('move', 'blocked', `'${from}' -> '${to}' requires ${missing.join(', ')}`);
  return undefined;
}

/** The refusal for a read or act on an entity that is unknown or out of the agent's sight, or undefined. */
export function checkSight(world: WorldTopology, op: string, entity: string, inSight: (entity: string) => boolean, warmRadius: number): Observation | undefined {
  if (!world.hasEntity(entity)) return refuse(op, 'unknown-entity', `no entity '${entity}'`);
  if (!inSight(entity)) return refuse(op, 'out-of-reach', `'${entity}' is not within distance ${warmRadius}`);
  return undefined;
}

/** A step's op name, for refusals of malformed steps. */
export function stepOp(step: unknown): string {
  return typeof step === 'object' && step !== null && typeof (step as { op?: unknown }).op === 'string' ? (step as { op: string }).op : 'step';
}
