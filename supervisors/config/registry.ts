import type { ActorDefinition, ActorSystem, SpawnOptions } from '../../src/index.js';

/**
 * Actor types a configuration tree can name, with their definitions.
 *
 * `system.registerType(name, definition)` makes a type spawnable by name, but the kernel's
 * public API has no way to read a registered definition back, and a tree node with
 * children needs it: the builder wraps the definition so that the actor spawns its
 * configured children itself (only a parent can spawn under itself). So types meant for
 * trees are registered here: `registerTreeType` registers the type with the system, as
 * usual, and remembers the definition for the tree builder. A type registered with the
 * system alone can still be a leaf of a tree (spawned by name).
 */

export interface TreeType {
  readonly definition: ActorDefinition<any, any>;
  readonly options: SpawnOptions<any> | undefined;
}

const bySystem = new WeakMap<ActorSystem, Map<string, TreeType>>();

/** Registers an actor type with `system` (system.registerType) and makes its definition known to config trees. */
export function registerTreeType<M, P = undefined>(system: ActorSystem, typeName: string, definition: ActorDefinition<M, P>, options?: SpawnOptions<P>): void {
  system.registerType(typeName, definition, options); // throws on a second registration of the name
  let types = bySystem.get(system);
  if (types === undefined) bySystem.set(system, (types = new Map()));
  types.set(typeName, { definition, options });
}

/** The definition registered with registerTreeType, if any. */
export function treeTypeOf(system: ActorSystem, typeName: string): TreeType | undefined {
  return bySystem.get(system)?.get(typeName);
}

/** Names of the types registered with registerTreeType in `system`. */
export function treeTypeNames(system: ActorSystem): string[] {
  return [...(bySystem.get(system)?.keys() ?? [])].sort();
}
