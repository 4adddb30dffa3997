import { Packr, REUSE_BUFFER_MODE, addExtension } from 'msgpackr';
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
interface DecodingState {
  readonly context: CodecContext;
  /** NO_REFS until a reply ref is read (most messages carry none: no array for them). */
  replyRefs: ActorRefData[];
}
const NO_REFS: ActorRefData[] = [];
let decoding: DecodingState | null = null;

const REF_EXTENSION = 0x41;
const writeRef = (ref: ActorRef<unknown>): [string, string, string] => [ref.systemName, ref.node, ref.path];
const readRef = (data: [string, string, string]): unknown => {
  const address: ActorRefData = { system: data[0], node: data[1], path: data[2] };
  if (decoding === null) return address; // unpacked outside a node: plain data
  if (address.path.startsWith('/temp/')) {
    if (decoding.replyRefs === NO_REFS) decoding.replyRefs = [];
    decoding.replyRefs.push(address);
  }
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
  /** The `encoding` of encodeTo, one object per codec rather than one per envelope. */
  private readonly encodingState: { context: CodecContext; node: string };
  /** The buffer of the last envelope decoded, and a view of all of it (see decode). */
  private wholeBuffer: ArrayBufferLike | null = null;
  private wholeView: Uint8Array = new Uint8Array(0);
  /** The path of the last tell decoded by the fast path, and its bytes (see readTellHead). */
  private lastPath = '';
  private lastPathBytes: Uint8Array = new Uint8Array(0);

  constructor(private readonly context: CodecContext) {
    registerKernelRefs();
    this.encodingState = { context, node: '' };
  }

  /**
   * Encodes one envelope for node `to` and appends it to `writer` when it is at most
   * `maxBytes` long; returns its length either way (longer: nothing appended). Throws what
   * msgpackr throws for unencodable values. The bytes of `packr.pack(envelope)`, without a view made
   * per envelope: msgpackr's REUSE_BUFFER_MODE hands back its own buffer with start/end,
   * copied into the batch at once.
   */
  encodeTo(envelope: WireEnvelope, to: string, writer: BatchWriter, maxBytes: number): number {
    const state = this.encodingState;
    state.node = to;
    encoding = state;
    try {
      const target = this.packr.pack(envelope, REUSE_BUFFER_MODE) as unknown as Uint8Array & { start: number; end: number };
      const length = target.end - target.start;
      if (length <= maxBytes) writer.appendRange(target, target.start, target.end);
      return length;
    } finally {
      encoding = null;
    }
  }

  /**
   * Decodes the envelope in `source[start, end)` (an entry of a batch, without a view made
   * for it). Throws on bad bytes, an empty range included.
   */
  decodeRange(source: Uint8Array, start: number, end: number): { envelope: WireEnvelope; replyRefs: ActorRefData[] } {
    // msgpackr caches a DataView as a property of the array it reads: on a fresh view per
    // envelope that is a DataView and a hidden-class change per message, the largest cost of a
    // small envelope. It reads through one view of the whole underlying buffer (a frame's
    // batch, usually) with start/end instead; the end check is the same.
    if (end <= start) throw new TypeError('not an envelope: empty'); // end 0 would mean "to the end" for msgpackr
    if (source.buffer !== this.wholeBuffer) {
      this.wholeBuffer = source.buffer;
      this.wholeView = new Uint8Array(source.buffer);
    }
    const state: DecodingState = { context: this.context, replyRefs: NO_REFS };
    decoding = state;
    try {
      const from = source.byteOffset + start;
      const to = source.byteOffset + end;
      const tell = this.readTellHead(from, to);
      if (tell !== null) {
        // The message only: the head (array of 3, kind 0, an ASCII path) was read above.
        const message: unknown = this.packr.unpack(this.wholeView, { start: tell, end: to });
        return { envelope: [Kind.Tell, this.lastPath, message], replyRefs: state.replyRefs };
      }
      const envelope = this.packr.unpack(this.wholeView, { start: from, end: to }) as WireEnvelope;
      checkEnvelope(envelope);
      return { envelope, replyRefs: state.replyRefs };
    } finally {
      decoding = null;
    }
  }

  /**
   * The fast path of decodeRange for the common envelope, a tell: when `wholeView[from, to)`
   * starts with a msgpack array of 3, the kind 0 and a path of ASCII bytes as a fixstr or str8,
   * sets `lastPath` to the path (the same string as last time when the bytes are the same, so
   * there is no string made per envelope) and returns where the message starts. Null for
   * anything else, which the general path decodes (and checks).
   */
  private readTellHead(from: number, to: number): number | null {
    const bytes = this.wholeView;
    if (to - from < 4 || bytes[from] !== 0x93 || bytes[from + 1] !== 0x00) return null;
    const head = bytes[from + 2]!;
    let at: number;
    let length: number;
    if (head >= 0xa0 && head <= 0xbf) {
      length = head - 0xa0;
      at = from + 3;
    } else if (head === 0xd9) {
      length = bytes[from + 3]!;
      at = from + 4;
    } else return null;
    // At least one byte must be left for the message.
    if (at + length >= to) return null;
    const last = this.lastPathBytes;
    let same = last.length === length;
    for (let i = 0; i < length; i++) {
      const byte = bytes[at + i]!;
      if (byte >= 0x80) return null; // not ASCII: msgpackr decodes it
      if (same && last[i] !== byte) same = false;
    }
    if (!same) {
      this.lastPathBytes = bytes.slice(at, at + length);
      this.lastPath = String.fromCharCode.apply(null, this.lastPathBytes as unknown as number[]);
    }
    return at + length;
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
    this.appendRange(entry, 0, entry.length);
  }

  /** Appends `source[start, end)` as one entry. */
  appendRange(source: Uint8Array, start: number, end: number): void {
    const length = end - start;
    const need = this.used + 4 + length;
    if (need > this.buffer.length) {
      const grown = new Uint8Array(Math.max(need, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, this.used));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    this.view.setUint32(this.used, length);
    const at = this.used + 4;
    // Small entries byte by byte: a subarray plus set() costs more than the copy itself.
    if (length <= 64) for (let i = 0; i < length; i++) this.buffer[at + i] = source[start + i]!;
    else this.buffer.set(source.subarray(start, end), at);
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
