/**
 * Envelopes: the few wrappers the kernel puts around a user message when it must carry
 * something along (the promise of an ask, the key of a timer). Plain tells are never
 * wrapped; the cell tells an envelope apart with one `instanceof Envelope` check.
 */
export abstract class Envelope {
  constructor(readonly message: unknown) {}
}

/** A message sent by `ask`: if it is dropped or its handler fails, the asker hears at once. */
export class AskEnvelope extends Envelope {
  constructor(
    message: unknown,
    readonly reply: { fail(error: Error): void },
  ) {
    super(message);
  }
}

/** A message sent by a timer: delivered only if its timer is still the current one for its key. */
export class TimerEnvelope extends Envelope {
  constructor(
    message: unknown,
    readonly key: unknown,
    readonly generation: number,
  ) {
    super(message);
  }
}

/** The user message inside an envelope, or the message itself. */
export function unwrap(message: unknown): unknown {
  return message instanceof Envelope ? message.message : message;
}
