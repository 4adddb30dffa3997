/**
 * The data of a world: entities (graph nodes), gated edges, and agents (not nodes: they stand
 * on an entity and carry credentials and capabilities).
 */

/** A JSON value: what an entity's state may hold (it is saved and restored verbatim). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * What graphology stores per node. Kept to two fields on purpose (1,000,000 cold entities must
 * fit a small heap): `state` is absent until something sets it.
 */
export interface EntityAttributes {
  kind: string;
  state?: JsonValue;
}

/**
 * What graphology stores per edge. Frozen and shared by every edge with the same requirements
 * and distance (the builder interns them to save memory): never mutate edge attributes.
 */
export interface EdgeAttributes {
  /** Credential and/or capability names an agent must all hold to traverse the edge; empty = open. */
  requires: readonly string[];
  /** Positive cost of traversing the edge (default 1); radii and shortest paths sum it. */
  distance: number;
}

/** Options of a new edge. */
export interface EdgeOptions {
  readonly requires?: readonly string[];
  readonly distance?: number;
}

/** An agent as the world sees it: where it stands and what it holds. */
export interface AgentSpec {
  readonly id: string;
  /** The entity the agent stands on. */
  readonly position: string;
  readonly credentials: readonly string[];
  readonly capabilities: readonly string[];
}

/** What an agent holds, as one set: an edge opens when every requirement is in it. */
export type Holdings = ReadonlySet<string>;

/** The names an agent holds (credentials and capabilities share one namespace for gating). */
export function holdingsOf(agent: Pick<AgentSpec, 'credentials' | 'capabilities'>): Set<string> {
  return new Set([...agent.credentials, ...agent.capabilities]);
}

/** True when `holdings` satisfies every requirement of the edge. */
export function canTraverse(edge: EdgeAttributes, holdings: Holdings): boolean {
  const requires = edge.requires;
  for (let i = 0; i < requires.length; i++) if (!holdings.has(requires[i]!)) return false;
  return true;
}

/** The shared `requires` of open edges (no per-edge empty array). */
export const OPEN: readonly string[] = Object.freeze([]);
