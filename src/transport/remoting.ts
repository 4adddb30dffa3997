import type { ActorRef, ActorRefData, AskOptions, ForeignDeathTarget } from '../actor-ref.js';
import { cellOf, watchLocal } from '../actor-cell.js';
import type { ActorCell } from '../actor-cell.js';
import { ask } from '../ask.js';
import type { PromiseRef } from '../ask.js';
import { AskEnvelope } from '../envelope.js';
import { ActorTerminatedError, AskFailedError, MailboxFullError, messageTypeOf } from '../errors.js';
import type { ActorSystem } from '../system.js';
import { BatchWriter, EnvelopeCodec, Kind, registerRefClass } from './codec.js';
import type { WireEnvelope } from './codec.js';
import { EnvelopeTooLargeError, NodeDownError, TransportDownError } from './errors.js';
import { FrameError, decodeFrame, encodeFrame } from './frame.js';
import type { FrameSigner, FrameVerifier } from './signing.js';
import { RemoteRef } from './remote-ref.js';
import type { Transport } from './transport.js';

registerRefClass(RemoteRef);

/** Most local actors whose cells the inbound path keeps (see Remoting.cellAt). */
const CELL_CACHE_SIZE = 10_000;

/**
 * The remoting layer of one node (ADR 0009): turns tells, asks and watches on remote refs
 * into envelopes, batches them per destination node (one frame per node per turn, or sooner
 * when a batch reaches `batchBytes`), and delivers what other nodes send to the local actors.
 * Nothing is lost silently: an envelope that cannot be sent (node down, transport
 * disconnected, too large, unencodable) or delivered (unknown actor, undecodable, refused
 * frame) is a dead letter event, and an ask waiting on it fails at once.
 */
export interface RemotingOptions {
  /** Largest envelope (one message) in bytes, encoded. */
  readonly maxEnvelopeBytes: number;
  /** Largest frame accepted from the network, bytes (checked before anything is parsed). */
  readonly maxFrameBytes: number;
  /** A batch is sent as soon as it holds this many bytes (else at the end of the turn). */
  readonly batchBytes: number;
  readonly signer?: FrameSigner;
  readonly verifier?: FrameVerifier;
  /** Refuse frames without a signature (default: when a verifier is given). */
  readonly requireSigned?: boolean;
}

/** What an ask's envelope carries to fail the ask when the envelope is dropped. */
type Reply = { fail(error: Error): void } | null;

interface Outbox {
  readonly writer: BatchWriter;
  /** The tells in the batch, flat: path, message, reply, path, message, reply ... (no object per tell). */
  pending: unknown[];
}

export class Remoting {
  private readonly codec: EnvelopeCodec;
  private readonly outboxes = new Map<string, Outbox>();
  private flushScheduled = false;
  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    for (const node of this.outboxes.keys()) this.flushNode(node);
  };
  /** Pending asks whose reply ref went out in a message, by reply path. */
  private readonly replies = new Map<string, { ref: PromiseRef<unknown>; node: string }>();
  /** Local actors watched from other nodes: key node + path -> the unwatch. */
  private readonly watchedHere = new Map<string, () => void>();
  /** Remote actors watched from here: key node + path -> the local watchers. */
  private readonly watchedThere = new Map<string, { ref: RemoteRef<unknown>; watchers: Set<ForeignDeathTarget> }>();
  private readonly downNodes = new Set<string>();
  /** Local actors by path, for inbound envelopes (see cellAt). */
  private readonly cells = new Map<string, ActorCell<unknown>>();
  private lastCell: ActorCell<unknown> | null = null;
  private readonly sweep: NodeJS.Timeout;
  private closed = false;
  /** Frames and envelopes counted (for metrics and tests). */
  readonly counters = { framesSent: 0, framesReceived: 0, envelopesSent: 0, envelopesReceived: 0, framesRefused: 0 };

  constructor(
    readonly system: ActorSystem,
    private readonly transport: Transport,
    private readonly options: RemotingOptions,
  ) {
    this.codec = new EnvelopeCodec({
      replyRefSent: (ref, node) => this.replies.set(ref.path, { ref, node }),
      refFor: (data) => this.refFor(data),
    });
    // Settled asks leave the reply table here (a reply or a failure removes its entry at once).
    this.sweep = setInterval(() => {
      for (const [path, entry] of this.replies) if (entry.ref.settled) this.replies.delete(path);
    }, 1000);
    this.sweep.unref();
  }

  get systemName(): string {
    return this.system.name;
  }

  get nodeId(): string {
    return this.system.node;
  }

  /** A ref for an address: local actors (or dead letters) for this node, a RemoteRef otherwise. */
  refFor<M>(data: ActorRefData): ActorRef<M> {
    if (data.node === this.system.node) {
      return (this.system.lookup(data.path) as ActorRef<M> | undefined) ?? this.system.resolve<M>(data);
    }
    return new RemoteRef<M>(this, data.node, data.path);
  }

  // ------------------------------------------------------------------ outbound

  tell(target: RemoteRef<unknown>, message: unknown): void {
    this.enqueue(target.node, [Kind.Tell, target.path, message], target.path, message, null);
  }

  ask<R>(target: RemoteRef<unknown>, build: (replyTo: ActorRef<R>) => unknown, options: AskOptions | undefined): Promise<R> {
    return ask<unknown, R>(this.system, target, (envelope: AskEnvelope) => this.enqueue(target.node, [Kind.Tell, target.path, envelope.message], target.path, envelope.message, envelope.reply), build, options);
  }

  watch(target: RemoteRef<unknown>, watcher: ForeignDeathTarget): void {
    const key = target.node + '\u0000' + target.path;
    let entry = this.watchedThere.get(key);
    if (entry === undefined) {
      entry = { ref: target, watchers: new Set() };
      this.watchedThere.set(key, entry);
      entry.watchers.add(watcher);
      if (this.downNodes.has(target.node)) {
        this.watchedThere.delete(key);
        watcher.foreignDeath(target);
        return;
      }
      this.enqueue(target.node, [Kind.Watch, target.path], target.path, undefined, null);
      return;
    }
    entry.watchers.add(watcher);
  }

  unwatch(target: RemoteRef<unknown>, watcher: ForeignDeathTarget): void {
    const key = target.node + '\u0000' + target.path;
    const entry = this.watchedThere.get(key);
    if (entry === undefined || !entry.watchers.delete(watcher) || entry.watchers.size > 0) return;
    this.watchedThere.delete(key);
    if (!this.downNodes.has(target.node)) this.enqueue(target.node, [Kind.Unwatch, target.path], target.path, undefined, null);
  }

  private enqueue(node: string, envelope: WireEnvelope, path: string, message: unknown, reply: Reply): void {
    if (this.closed || this.downNodes.has(node)) {
      this.undeliverable(node, path, message, reply, this.closed ? 'node-left' : 'node-down', new NodeDownError(node, this.closed ? 'this node has left the cluster' : 'declared dead'));
      return;
    }
    let outbox = this.outboxes.get(node);
    if (outbox === undefined) this.outboxes.set(node, (outbox = { writer: new BatchWriter(), pending: [] }));
    let length: number;
    try {
      length = this.codec.encodeTo(envelope, node, outbox.writer, this.options.maxEnvelopeBytes);
    } catch (error) {
      this.undeliverable(node, path, message, reply, 'unencodable', error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (length > this.options.maxEnvelopeBytes) {
      this.undeliverable(node, path, message, reply, 'envelope-too-large', new EnvelopeTooLargeError(node, path, length, this.options.maxEnvelopeBytes));
      return;
    }
    if (envelope[0] === Kind.Tell) outbox.pending.push(path, message, reply);
    if (outbox.writer.bytes >= this.options.batchBytes) this.flushNode(node);
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushAll);
    }
  }

  /** Sends node's batch as one frame now. */
  private flushNode(node: string): void {
    const outbox = this.outboxes.get(node);
    if (outbox === undefined || outbox.writer.count === 0) return;
    const count = outbox.writer.count;
    const frame = encodeFrame(this.system.node, outbox.writer.take(), this.options.signer);
    const pending = outbox.pending;
    outbox.pending = [];
    let sent: boolean;
    // Built only when needed: an Error (its stack) per frame sent was a measurable cost.
    let error: Error | null = null;
    try {
      sent = this.transport.send(node, frame);
    } catch (refused) {
      // The network refused the frame itself (NATS: larger than the server's max_payload).
      sent = false;
      if (refused instanceof Error) error = refused;
    }
    if (sent) {
      this.counters.framesSent++;
      this.counters.envelopesSent += count;
      return;
    }
    error ??= new TransportDownError(this.transport.kind, node);
    this.undeliverableAll(node, pending, 'transport-disconnected', error);
  }

  /** undeliverable for each tell of a batch's `pending` list. */
  private undeliverableAll(node: string, pending: unknown[], reason: string, error: Error): void {
    for (let i = 0; i < pending.length; i += 3) this.undeliverable(node, pending[i] as string, pending[i + 1], pending[i + 2] as Reply, reason, error);
  }

  /** A dead letter for an envelope that never left, and its ask failed at once. */
  private undeliverable(node: string, path: string, message: unknown, reply: Reply, reason: string, error: Error): void {
    if (message !== undefined || reply !== null) this.system.deadLetter({ path: `am://${this.system.name}@${node}${path}` }, message, reason, error, reply !== null);
    reply?.fail(error);
  }

  /** Sends everything batched so far (tests, shutdown). */
  flush(): void {
    this.flushAll();
  }

  // ------------------------------------------------------------------ inbound

  /** A frame from the network. Never throws. */
  onFrame(data: Uint8Array): void {
    let from: string;
    let payload: Uint8Array;
    try {
      const frame = decodeFrame(data, { maxBytes: this.options.maxFrameBytes, verifier: this.options.verifier, requireSigned: this.options.requireSigned ?? this.options.verifier !== undefined });
      from = frame.from;
      payload = frame.payload;
    } catch (error) {
      this.refused(error, data.length);
      return;
    }
    this.counters.framesReceived++;
    // The entries of the batch ([u32 length][envelope], see BatchWriter), read in place.
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    let truncated = false;
    for (let at = 0; at < payload.length; ) {
      const end = at + 4 > payload.length ? -1 : at + 4 + view.getUint32(at);
      if (end < 0 || end > payload.length) {
        truncated = true;
        break;
      }
      this.onEnvelope(from, payload, at + 4, end);
      at = end;
    }
    if (truncated) this.system.deadLetter({ path: `am://${this.system.name}@${from}` }, undefined, 'undecodable', new TypeError(`frame from '${from}': its last envelope runs past the end of the batch`), false);
  }

  /** A membership frame failed to decode or verify: reported like any refused frame. */
  refusedBroadcast(error: unknown, bytes: number): void {
    this.refused(error, bytes);
  }

  private refused(error: unknown, bytes: number): void {
    this.counters.framesRefused++;
    const kind = error instanceof FrameError ? error.kind : 'undecodable';
    const from = error instanceof FrameError ? error.from : undefined;
    const reason = `frame-${kind}`;
    this.system.deadLetter({ path: `am://${this.system.name}@${from ?? '?'}` }, undefined, reason, error, false);
    this.system.log.warn({ from, bytes, kind, err: error }, 'refused a frame');
    if (this.system.eventsObserved) this.system.publish({ type: 'cluster-frame-refused', timestamp: Date.now(), path: '/system/cluster', from, kind, bytes, error });
  }

  /** The envelope in `payload[start, end)`. */
  private onEnvelope(from: string, payload: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (length > this.options.maxEnvelopeBytes) {
      this.system.deadLetter({ path: `am://${this.system.name}@${from}` }, undefined, 'envelope-too-large', new EnvelopeTooLargeError(this.system.node, '?', length, this.options.maxEnvelopeBytes), false);
      return;
    }
    let decoded: ReturnType<EnvelopeCodec['decodeRange']>;
    try {
      decoded = this.codec.decodeRange(payload, start, end);
    } catch (error) {
      this.system.deadLetter({ path: `am://${this.system.name}@${from}` }, undefined, 'undecodable', error, false);
      return;
    }
    this.counters.envelopesReceived++;
    const envelope = decoded.envelope;
    switch (envelope[0]) {
      case Kind.Tell:
        this.deliver(from, envelope[1], envelope[2], decoded.replyRefs);
        return;
      case Kind.AskFailed: {
        const entry = this.replies.get(envelope[1]);
        if (entry === undefined) return; // settled meanwhile (timed out): nothing waits
        this.replies.delete(envelope[1]);
        entry.ref.fail(rebuildAskError(envelope[2], envelope[3], envelope[4], envelope[5], from));
        return;
      }
      case Kind.Watch:
        this.watchHere(from, envelope[1]);
        return;
      case Kind.Unwatch: {
        const key = from + '\u0000' + envelope[1];
        this.watchedHere.get(key)?.();
        this.watchedHere.delete(key);
        return;
      }
      case Kind.Terminated:
        this.terminatedThere(from, envelope[1]);
        return;
    }
  }

  private deliver(from: string, path: string, message: unknown, replyRefs: readonly ActorRefData[]): void {
    if (path.startsWith('/temp/')) {
      const entry = this.replies.get(path);
      if (entry === undefined) {
        this.system.deadLetter({ path }, message, 'ask-already-settled', undefined, false);
        return;
      }
      this.replies.delete(path);
      entry.ref.tell(message);
      return;
    }
    const target = this.cellAt(path);
    // The sender's pending asks in this message: told at once if it is dropped or fails here.
    const askers = replyRefs.length === 0 ? replyRefs : replyRefs.filter((ref) => ref.node === from);
    if (target === null) {
      this.system.deadLetter({ path }, message, 'recipient-not-found', undefined, askers.length > 0);
      for (const asker of askers) this.sendAskFailed(from, asker.path, new ActorTerminatedError(path, messageTypeOf(message)));
      return;
    }
    if (askers.length === 0) target.tell(message);
    else target.deliver(new AskEnvelope(message, { fail: (error: Error) => askers.forEach((asker) => this.sendAskFailed(from, asker.path, error)) }));
  }

  /**
   * The live local actor at `path`, or null. Cached: walking the tree segment by segment for
   * every envelope cost more than decoding it. A cached cell that has terminated is looked up
   * again (a new actor may have taken the name), so this answers as `system.lookup` does.
   */
  private cellAt(path: string): ActorCell<unknown> | null {
    // Runs of envelopes for one actor are the common case: the last one is checked first.
    const last = this.lastCell;
    if (last !== null && path === last.path && !last.isTerminated) return last;
    const cached = this.cells.get(path);
    if (cached !== undefined && !cached.isTerminated) return (this.lastCell = cached);
    // A path that is not absolute names no actor (lookup would throw, losing the rest of the frame).
    const cell = path.startsWith('/') ? cellOf(this.system.lookup(path)) : null;
    if (cell === null) {
      this.cells.delete(path);
      if (this.lastCell?.path === path) this.lastCell = null;
      return null;
    }
    // Bounded: a sender naming ever new paths must not grow it without end.
    if (this.cells.size >= CELL_CACHE_SIZE) this.cells.clear();
    this.cells.set(path, cell);
    return (this.lastCell = cell);
  }

  private sendAskFailed(node: string, replyPath: string, error: Error): void {
    const e = error as Partial<ActorTerminatedError & AskFailedError & MailboxFullError>;
    const detail = error instanceof MailboxFullError ? String(error.capacity) : describeCause(error);
    this.enqueue(node, [Kind.AskFailed, replyPath, error.name, String(e.target ?? ''), String(e.messageType ?? ''), detail], replyPath, undefined, null);
  }

  private watchHere(from: string, path: string): void {
    const key = from + '\u0000' + path;
    if (this.watchedHere.has(key)) return;
    const target = this.system.lookup(path);
    const stop = target === undefined ? null : watchLocal(target, () => {
      this.watchedHere.delete(key);
      this.enqueue(from, [Kind.Terminated, path], path, undefined, null);
    });
    if (stop === null) {
      this.enqueue(from, [Kind.Terminated, path], path, undefined, null);
      return;
    }
    this.watchedHere.set(key, stop);
  }

  private terminatedThere(from: string, path: string): void {
    const key = from + '\u0000' + path;
    const entry = this.watchedThere.get(key);
    if (entry === undefined) return;
    this.watchedThere.delete(key);
    for (const watcher of entry.watchers) watcher.foreignDeath(entry.ref);
  }

  // ------------------------------------------------------------------ membership

  /** `node` was declared dead: its watchers hear Terminated, asks waiting on it fail, its batch is dead-lettered. */
  nodeDown(node: string): void {
    if (this.downNodes.has(node)) return;
    this.downNodes.add(node);
    const outbox = this.outboxes.get(node);
    if (outbox !== undefined) {
      this.outboxes.delete(node);
      const error = new NodeDownError(node, 'declared dead');
      this.undeliverableAll(node, outbox.pending, 'node-down', error);
    }
    for (const [key, entry] of this.watchedThere) {
      if (entry.ref.node !== node) continue;
      this.watchedThere.delete(key);
      for (const watcher of entry.watchers) watcher.foreignDeath(entry.ref);
    }
    for (const [key, stop] of this.watchedHere) {
      if (!key.startsWith(node + '\u0000')) continue;
      stop();
      this.watchedHere.delete(key);
    }
    for (const [path, entry] of this.replies) {
      if (entry.node !== node) continue;
      this.replies.delete(path);
      entry.ref.fail(new NodeDownError(node, 'declared dead while an ask waited on it'));
    }
  }

  /** `node` is (back) up. */
  nodeUp(node: string): void {
    this.downNodes.delete(node);
  }

  /** True when `node` has been declared dead (and not seen since). */
  isDown(node: string): boolean {
    return this.downNodes.has(node);
  }

  /** Sends what is batched and stops; later sends are dead letters. */
  close(): void {
    if (this.closed) return;
    this.flushAll();
    this.closed = true;
    clearInterval(this.sweep);
    for (const stop of this.watchedHere.values()) stop();
    this.watchedHere.clear();
    this.cells.clear();
    this.lastCell = null;
  }
}

/** The error an ask fails with when its message was dropped or failed on the other node. */
function rebuildAskError(name: string, target: string, messageType: string, detail: string, node: string): Error {
  switch (name) {
    case 'ActorTerminatedError':
      return new ActorTerminatedError(target, messageType);
    case 'MailboxFullError':
      return new MailboxFullError(target, Number(detail), messageType);
    case 'AskFailedError':
      return new AskFailedError(target, messageType, { cause: new Error(detail) });
    default:
      return new AskFailedError(target || `am://?@${node}`, messageType, { cause: new Error(`${name}: ${detail}`) });
  }
}

function describeCause(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : cause !== undefined ? String(cause) : error.message;
}
