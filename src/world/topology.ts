import type { EdgeAttributes, JsonValue } from './types.js';

/**
 * An edge as a world hands it out: an opaque handle, stable for the world's lifetime, that the
 * same world turns back into its source, target and attributes. WorldGraph's handles are
 * graphology edge keys (strings); CompactWorld's are edge indexes (numbers).
 */
export type EdgeHandle = string | number;

/**
 * What reachability and the realizer read and write of a world, whatever stores it:
 * WorldGraph (graphology: every graph algorithm, mutable until built) or CompactWorld (flat
 * typed arrays: a million cold entities with their edges in a small heap). The topology is
 * fixed; only entity state changes.
 */
export interface WorldTopology {
  readonly entityCount: number;
  readonly edgeCount: number;
  hasEntity(id: string): boolean;
  /** The entity's kind; throws RangeError for an unknown entity. */
  kindOf(id: string): string;
  /** The entity's state (undefined until set); throws RangeError for an unknown entity. */
  stateOf(id: string): JsonValue | undefined;
  /** Replaces the entity's state (undefined clears it); throws RangeError for an unknown entity. */
  setState(id: string, state: JsonValue | undefined): void;
  /** The edge from `from` to `to`, or undefined (also when either entity is unknown). */
  edge(from: string, to: string): EdgeAttributes | undefined;
  /** Calls `visit` for every out-edge of `id` (none for an unknown entity). */
  forEachOutEdge(id: string, visit: (edge: EdgeHandle, attributes: EdgeAttributes, target: string) => void): void;
  /** The source entity of an edge handle this world gave out. */
  edgeSource(edge: EdgeHandle): string;
  /** The target entity of an edge handle this world gave out. */
  edgeTarget(edge: EdgeHandle): string;
  /** The attributes of an edge handle this world gave out. */
  edgeAttributes(edge: EdgeHandle): EdgeAttributes;
  /** Every entity id, in insertion order. */
  entityIds(): IterableIterator<string>;
}
