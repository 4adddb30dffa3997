/**
 * The failures of distribution, each a named class keeping what went wrong as fields (as the
 * kernel's errors do): an ask waiting on one of them fails with it at once, and the dead
 * letter of the envelope carries it.
 */

/** The destination node was declared dead (missed heartbeats), or this node has left. */
export class NodeDownError extends Error {
  constructor(
    readonly node: string,
    readonly why: string,
  ) {
    super(`node '${node}' is down (${why})`);
    this.name = 'NodeDownError';
  }
}

/** The transport could not hand the frame over (disconnected from NATS, or closed). */
export class TransportDownError extends Error {
  constructor(
    readonly transport: string,
    readonly node: string,
  ) {
    super(`the ${transport} transport is disconnected: a frame to node '${node}' could not be sent`);
    this.name = 'TransportDownError';
  }
}

/** One message encoded is larger than `maxEnvelopeBytes`. */
export class EnvelopeTooLargeError extends Error {
  constructor(
    readonly node: string,
    readonly path: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`an envelope for '${path}' on node '${node}' is ${bytes} bytes encoded, more than maxEnvelopeBytes ${maxBytes}`);
    this.name = 'EnvelopeTooLargeError';
  }
}
