import type { ExtensionEvent } from '../events.js';

/**
 * The realizer's tier transitions (ADR 0007), each an event on `system.events$`; `path` is the
 * realizer's. Published only while someone observes the stream (a step can move hundreds of
 * entities between tiers).
 */

/** cold -> warm: the entity entered some agent's sight. */
export interface WorldWarmedEvent extends ExtensionEvent {
  readonly type: 'world-warmed';
  readonly entity: string;
}

/** -> hot: an entity actor was spawned with the entity's saved state. */
export interface WorldPromotedEvent extends ExtensionEvent {
  readonly type: 'world-promoted';
  readonly entity: string;
  readonly kind: string;
  /** 'reach': it entered an agent's hot radius; 'action': an agent acted on it after it was passivated for idleness. */
  readonly reason: 'reach' | 'action';
}

/** hot -> warm: the actor's state was saved to the world and the actor stopped. */
export interface WorldPassivatedEvent extends ExtensionEvent {
  readonly type: 'world-passivated';
  readonly entity: string;
  readonly reason: 'out-of-reach' | 'idle' | 'stopping';
}

/** warm -> cold: no agent sees the entity any more. */
export interface WorldCooledEvent extends ExtensionEvent {
  readonly type: 'world-cooled';
  readonly entity: string;
}

export type WorldTierEvent = WorldWarmedEvent | WorldPromotedEvent | WorldPassivatedEvent | WorldCooledEvent;
