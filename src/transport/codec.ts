import { Packr, addExtension } from 'msgpackr';
import type { ActorRef, ActorRefData } from '../actor-ref.js';
import { ActorCell } from '../actor-cell.js';
import { PromiseRef } from '../ask.js';
import { DeadLetterRef } from '../dead-letter-ref.js';

/**
 * Envelopes on the wire (ADR 0009): each one msgpack (msgpackr), refs inside messages written
 * as their address `[system, node, path]` and read back as refs of the receiving node (a local
 * actor, or a remote ref to a third node), so a ref in a message works as it did at home.
 *
 *   tell        [0, to, message]
 *   ask-failed  [1, replyPath, errorName, target, messageType, detail]   the ask's message was dropped or failed there
 *   watch       [2, targetPath]                                          the sender watches targetPath here
 *   unwatch     [3, targetPath]
 *   terminated  [4, targetPath]                                          targetPath (on the sender) is gone
 *
 * A batch is a sequence of [u32 length][envelope] entries, so one envelope that fails to
 * decode is one dead letter, not a lost batch, and each is checked against the size limit.
 */
export const enum Kind {
  Tell = 0,
  AskFailed = 1,
  Watch = 2,
  Unwatch = 3,
  Terminated = 4,
}

export type WireEnvelope =
  | [Kind.Tell, string, unknown]
  | [Kind.AskFailed, string, string, string, string, string]
  | [Kind.Watch, string]
  | [Kind.Unwatch, string]
  | [Kind.Terminated, string];

/** What encoding and decoding need of the node doing it (set around each call: msgpackr extensions are global). */
export interface CodecContext {
  /** A reply ref (a pending ask's) went out inside a message to `node`: keep it to route the answer. */
  replyRefSent(ref: PromiseRef<unknown>, node: string): void;
  /** The ref, on this node, for an address read from the wire. */
  refFor(data: ActorRefData): ActorRef<unknown>;
}

let encoding: { context: CodecContext; node: string } | null = null;
let decoding: { context: CodecContext; replyRefs: ActorRefData[] } | null = null;

const REF_EXTENSION = 0x41;
const writeRef = (ref: ActorRef<unknown>): [string, string, string] => [ref.systemName, ref.node, ref.path];
const readRef = (data: [string, string, string]): unknown => {
  const address: ActorRefData = { system: data[0], node: data[1], path: data[2] };
  if (decoding === null) return address; // unpacked outside a node: plain data
  if (address.path.startsWith('/temp/')) decoding.replyRefs.push(address);
  return decoding.context.refFor(address);
};

/** Ref classes the codec writes as addresses; RemoteRef registers itself (registerRefClass). */
let registered = false;
function registerKernelRefs(): void {
  if (registered) return;
  registered = true;
  for (const Class of [ActorCell, DeadLetterRef]) addExtension({ Class, type: REF_EXTENSION, write: writeRef, read: readRef });
  addExtension({
    Class: PromiseRef,
    type: REF_EXTENSION,
    write: (ref: PromiseRef<unknown>) => {
      encoding?.context.replyRefSent(ref, encoding.node);
      return writeRef(ref);
    },
    read: readRef,
  });
}

/** Makes instances of `Class` (a ref class of another layer) travel as addresses. */
export function registerRefClass(Class: new (...args: any[]) => ActorRef<unknown>): void {
  registerKernelRefs();
  addExtension({ Class, type: REF_EXTENSION, write: writeRef, read: readRef });
}

/** The envelope codec of one node. */
export class EnvelopeCodec {
  // No records/structures: they would need a table shared by every pair of nodes.
  private readonly packr = new Packr({ useRecords: false, moreTypes: true });

  constructor(private readonly context: CodecContext) {
    registerKernelRefs();
  }

  /** Encodes one envelope for node `to`. Throws what msgpackr throws for unencodable values. */
  encode(envelope: WireEnvelope, to: string): Uint8Array {
    encoding = { context: this.context, node: to };
    try {
      return this.packr.pack(envelope);
    } finally {
      encoding = null;
    }
  }

  /** Decodes one envelope and the reply refs (pending asks of the sender) found inside it. Throws on bad bytes. */
  decode(bytes: Uint8Array): { envelope: WireEnvelope; replyRefs: ActorRefData[] } {
    const state = { context: this.context, replyRefs: [] as ActorRefData[] };
    decoding = state;
    try {
      const envelope = this.packr.unpack(bytes) as WireEnvelope;
      checkEnvelope(envelope);
      return { envelope, replyRefs: state.replyRefs };
    } finally {
      decoding = null;
    }
  }
}

/** Throws TypeError when a decoded value is not an envelope of a known kind. */
function checkEnvelope(value: unknown): asserts value is WireEnvelope {
  if (!Array.isArray(value) || typeof value[0] !== 'number' || typeof value[1] !== 'string') throw new TypeError('not an envelope: expected [kind, path, ...]');
  const kind = value[0];
  const arity = kind === Kind.Tell ? 3 : kind === Kind.AskFailed ? 6 : kind >= Kind.Watch && kind <= Kind.Terminated ? 2 : -1;
  if (arity < 0) throw new TypeError(`not an envelope: unknown kind ${kind}`);
  if (value.length !== arity) throw new TypeError(`not an envelope: kind ${kind} has ${arity} fields, got ${value.length}`);
  if (kind === Kind.AskFailed && value.slice(2).some((field) => typeof field !== 'string')) throw new TypeError('not an envelope: ask-failed fields must be strings');
}

/** Appends `[u32 length][bytes]` entries to a growing buffer (one batch per destination node). */
export class BatchWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private used = 0;
  count = 0;

  constructor(initialBytes = 16 * 1024) {
    this.buffer = new Uint8Array(initialBytes);
    this.view = new DataView(this.buffer.buffer);
  }

  get bytes(): number {
    return this.used;
  }

  append(entry: Uint8Array): void {
    const need = this.used + 4 + entry.length;
    if (need > this.buffer.length) {
      const grown = new Uint8Array(Math.max(need, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, this.used));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    this.view.setUint32(this.used, entry.length);
    this.buffer.set(entry, this.used + 4);
    this.used = need;
    this.count++;
  }

  /** The batch so far (a copy), and a fresh start. */
  take(): Uint8Array {
    const out = this.buffer.slice(0, this.used);
    this.used = 0;
    this.count = 0;
    return out;
  }
}

/**
 * Splits a batch into its entries. Stops at the first entry whose length runs past the end
 * (returned as `truncated`: the bytes after it cannot be trusted).
 */
export function splitBatch(batch: Uint8Array): { entries: Uint8Array[]; truncated: boolean } {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  const entries: Uint8Array[] = [];
  let at = 0;
  while (at < batch.length) {
    if (at + 4 > batch.length) return { entries, truncated: true };
    const length = view.getUint32(at);
    if (at + 4 + length > batch.length) return { entries, truncated: true };
    entries.push(batch.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return { entries, truncated: false };
}
