import type { ActorRef } from '../actor-ref.js';

/**
 * A tree spread over cluster nodes (issue 5, ADR 0009): the root's direct children are the
 * units of placement (the mesh's sectors). One node runs the real root; every other node runs
 * a stand-in at the same path that hosts the units placed there. Which unit runs where is the
 * cluster's business (ClusterPlacement, placement.ts, keeps it in a KV bucket); a spawned tree only
 * asks this object.
 *
 * What the tree does with it (supervisors/config/wrap.ts):
 *   - the root (or stand-in) spawns only the units that are local;
 *   - the real root's `ctx.children` and `ctx.child(name)` include the units running on other
 *     nodes (as remote refs), so a wave, a gather or a delivery reaches them like local ones;
 *   - a unit's `ctx.parent` is the real root wherever the unit runs, so what it tells its
 *     parent (heartbeats, escalations) reaches the root across nodes;
 *   - `PlaceUnit` / `RemoveUnit` told to the root or stand-in spawn or retire a unit here
 *     (after this node claimed it, or lost it);
 *   - the root's path runs the root type wrapped: its handler where `rootHere`, else a
 *     stand-in sending on to `rootRef()`, re-read at every message (root failover).
 */
export interface TreePlacement {
  /** True on the node that runs the real root now (it may change: the root's node can die and another take it over). */
  readonly rootHere: boolean;
  /** The real root now (a remote ref on the other nodes). */
  rootRef(): ActorRef<unknown>;
  /** Whether the unit (a child of the root, by name) runs on this node. */
  isLocal(unit: string): boolean;
  /** The units running on other nodes, as refs (for the root's children). */
  remoteUnits(): readonly ActorRef<unknown>[];
  /** One unit running on another node, or undefined. */
  remoteUnit(unit: string): ActorRef<unknown> | undefined;
}

/** Told to a tree's root (or stand-in): spawn unit `name` here now (this node owns it). */
export class PlaceUnit {
  constructor(readonly name: string) {}
}

/** Told to a tree's root (or stand-in): stop unit `name` here for good (another node owns it). */
export class RemoveUnit {
  constructor(readonly name: string) {}
}

/** Where a configured parent sits in a placed tree. */
export type PlacementRole = 'root' | 'unit';
