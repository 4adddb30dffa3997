import type { ActorRef } from '../actor-ref.js';
import type { FunctionBehavior } from '../behavior.js';
import { failureMessage, kindBehaviour, readEntity } from './entity-kind.js';
import type { ActingAgent, EntityAction, EntityKinds, EntityOutcome } from './entity-kind.js';
import type { JsonValue } from './types.js';

/**
 * A hot entity: a live actor holding the entity's state, applying its kind's pure function.
 *
 * The state lives in a slot the realizer hands over at promotion: each successful action
 * commits the next state to it. A kind that throws fails the actor after the asker got its
 * failure reply; the supervisor's restart runs setup again, which reads the slot, so the new
 * incarnation starts from the last committed state (the failed action changed nothing).
 * Passivation reads the slot after the actor's last action, so nothing is lost.
 */

/** The committed state of a hot entity, shared by the actor and its realizer. */
export interface EntitySlot {
  state: JsonValue | undefined;
}

/** What the entity actor replies to an action. */
export type EntityActReply = { readonly ok: true; readonly outcome: EntityOutcome } | { readonly ok: false; readonly message: string };

/** Messages of an entity actor. */
export type EntityMessage =
  | { readonly type: 'act'; readonly action: EntityAction; readonly agent: ActingAgent; readonly replyTo: ActorRef<EntityActReply> }
  | { readonly type: 'read'; readonly replyTo: ActorRef<JsonValue> };

/** Props of an entity actor. */
export interface EntityActorProps {
  readonly entity: string;
  readonly kind: string;
  readonly kinds: EntityKinds;
  readonly slot: EntitySlot;
}

/** Raised after replying, so the supervisor restarts the entity from its committed state. */
export class EntityActionError extends Error {
  constructor(
    readonly entity: string,
    readonly actionType: string,
    message: string,
  ) {
    super(`entity '${entity}' failed on '${actionType}': ${message}`);
    this.name = 'EntityActionError';
  }
}

/** The entity actor's behaviour. */
export const entityActor: FunctionBehavior<EntityMessage, EntityActorProps> = (_ctx, props) => {
  const { entity, kind, kinds, slot } = props;
  return (message) => {
    if (message.type === 'read') {
      message.replyTo.tell(readEntity(kinds, kind, slot.state, entity));
      return;
    }
    const behaviour = kindBehaviour(kinds, kind)!;
    let outcome: EntityOutcome;
    try {
      outcome = behaviour.act(slot.state, message.action, entity, message.agent);
    } catch (error) {
      const text = failureMessage(error);
      message.replyTo.tell({ ok: false, message: text });
      throw new EntityActionError(entity, message.action.type, text);
    }
    slot.state = outcome.state;
    message.replyTo.tell({ ok: true, outcome });
  };
};
