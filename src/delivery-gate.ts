/**
 * DeliveryGate: a seam for layers above the kernel (circuit breakers) to refuse messages
 * to a whole subtree before they reach a mailbox.
 * A gate given at spawn guards that actor and, unless they name their own, all actors
 * spawned below it. The kernel asks it once per delivery (one null check when there is no
 * gate). A refused tell becomes a dead letter with the gate's reason; a refused ask is
 * rejected at once with the gate's error, so a sender never waits on a region known to
 * be down.
 */
export interface DeliveryGate {
  /** `null` to let the message through; otherwise why not. */
  refuse(targetPath: string, message: unknown): GateRefusal | null;
  /**
   * When true, the kernel reports every message handled without failure by a gated actor
   * (`handled`), so a half-open breaker can count successful probes. Read per message.
   */
  readonly probing: boolean;
  /** A gated actor handled a message without failing (only called while `probing`). */
  handled(targetPath: string): void;
}

/**
 * Why a gate refused a message. A gate may hand out the same refusal object every time:
 * the error is made only when someone will see it (an asking sender, an events$
 * subscriber), because building an Error (its stack) costs microseconds.
 */
export interface GateRefusal {
  /** Dead letter reason, such as `circuit-open`. */
  readonly reason: string;
  /** The error for an asking sender (and the dead letter event), about `targetPath`. */
  error(targetPath: string): Error;
}
