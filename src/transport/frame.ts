/**
 * The frame: what one node hands the Transport for another, around one opaque payload (a
 * batch of envelopes the remoting layer encoded). It names the sender and, optionally, carries
 * the sender's Ed25519 signature (MESH-30K part 9.1), so a receiver can refuse what is
 * oversized, malformed, unsigned or forged before decoding a single envelope.
 *
 * Layout (all integers big-endian; n = sender id bytes, L = payload bytes):
 *
 *   offset      size  field
 *   0           2     magic 0xF0 0x4D (0xF0 0x4D is not valid UTF-8, so no text frame matches)
 *   2           1     format version, 1
 *   3           1     flags: bit 0 = signed; other bits must be 0
 *   4           1     n, sender node id length, 1..255
 *   5           n     sender node id, UTF-8
 *   5+n         4     L, payload length (u32)
 *   9+n         L     payload
 *   9+n+L       64    Ed25519 signature of bytes [0, 9+n+L), only when signed
 *
 * The lengths must add up to the frame's length exactly (no trailing bytes). The signature
 * covers the header, so the sender id cannot be changed and the signed flag cannot be
 * cleared without detection (clearing it leaves 64 trailing bytes). A signed frame is only
 * accepted when the signature verifies with the key of the node it names, so a frame signed
 * by A that claims to come from B is refused. Not covered: replay of a whole valid frame (no
 * nonce or sequence number at this layer).
 */
import type { FrameSigner, FrameVerifier } from './signing.js';

const MAGIC_0 = 0xf0;
const MAGIC_1 = 0x4d;
const VERSION = 1;
const FLAG_SIGNED = 0x01;
const SIGNATURE_BYTES = 64;
const MAX_FROM_BYTES = 255;
const MAX_PAYLOAD_BYTES = 0xffffffff;
/** Bytes before the sender id: magic, version, flags, id length. */
const PREFIX_BYTES = 5;

/** A decoded frame. `payload` may be a view into the data given to `decodeFrame`: copy it to keep it past the transport's callback. */
export interface Frame {
  /** The sender node id. Authenticated only when `signed` is true. */
  readonly from: string;
  readonly payload: Uint8Array;
  /** True when the frame carried a signature and it was verified; false for an unsigned frame, or a signed one decoded without a verifier. */
  readonly signed: boolean;
}

/** Why a frame was refused. */
export type FrameErrorKind = 'oversized' | 'undecodable' | 'unsigned' | 'unknown-signer' | 'bad-signature';

/** A frame was refused. The receiver reports it (a dead letter event) and goes on: it is never a crash. */
export class FrameError extends Error {
  constructor(
    readonly kind: FrameErrorKind,
    /** The length of the refused frame. */
    readonly bytes: number,
    /** What was wrong, without the prefix the message adds. */
    readonly reason: string,
    /** The sender node id the frame claims, when it could be read (never authenticated: the frame was refused). */
    readonly from?: string,
    /** The byte offset where the problem was found, when there is one. */
    readonly offset?: number,
  ) {
    super(
      `${kind} frame (${bytes} bytes${from === undefined ? '' : ` from ${quote(from)}`})` +
        `${offset === undefined ? '' : ` at byte ${offset}`}: ${reason}`,
    );
    this.name = 'FrameError';
  }
}

/** Options of `decodeFrame`. */
export interface DecodeFrameOptions {
  /** Longest frame accepted, checked before any parsing. */
  readonly maxBytes: number;
  /** Public keys of the nodes; without it signatures are not checked (and `signed` is false). */
  readonly verifier?: FrameVerifier;
  /** Refuse unsigned frames (and signed ones that cannot be checked for want of a verifier). */
  readonly requireSigned?: boolean;
}

const utf8Encoder = new TextEncoder();
// fatal: a malformed id is refused rather than turned into U+FFFD (two ids must not collide).
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
// The sender id is the same on every frame a node sends: encode it once.
let lastFrom = '';
let lastFromBytes = new Uint8Array(0);

function encodeFrom(from: string): Uint8Array {
  if (from === lastFrom && from !== '') return lastFromBytes;
  const bytes = utf8Encoder.encode(from);
  if (bytes.length === 0 || bytes.length > MAX_FROM_BYTES) {
    throw new RangeError(`frame sender id must be 1 to ${MAX_FROM_BYTES} bytes of UTF-8, '${from.slice(0, 40)}' is ${bytes.length}`);
  }
  // A lone surrogate would be sent as U+FFFD: the receiver would read another id than ours.
  if (utf8Decoder.decode(bytes) !== from) throw new RangeError(`frame sender id ${JSON.stringify(from)} is not well-formed Unicode`);
  lastFrom = from;
  lastFromBytes = bytes;
  return bytes;
}

/**
 * Builds a frame from node `from` around `payload`, signed when `signer` is given.
 * @throws {RangeError} when `from` is empty, longer than 255 bytes of UTF-8 or not
 *   well-formed Unicode, or when `payload` is 4 GiB or more (programming errors, not bad input).
 */
export function encodeFrame(from: string, payload: Uint8Array, signer?: FrameSigner): Uint8Array {
  const fromBytes = encodeFrom(from);
  if (payload.length > MAX_PAYLOAD_BYTES) throw new RangeError(`frame payload of ${payload.length} bytes exceeds the u32 length field`);
  const payloadAt = PREFIX_BYTES + fromBytes.length + 4;
  const signedEnd = payloadAt + payload.length;
  const frame = new Uint8Array(signedEnd + (signer === undefined ? 0 : SIGNATURE_BYTES));
  frame[0] = MAGIC_0;
  frame[1] = MAGIC_1;
  frame[2] = VERSION;
  frame[3] = signer === undefined ? 0 : FLAG_SIGNED;
  frame[4] = fromBytes.length;
  frame.set(fromBytes, PREFIX_BYTES);
  new DataView(frame.buffer).setUint32(payloadAt - 4, payload.length);
  frame.set(payload, payloadAt);
  if (signer !== undefined) {
    const signature = signer.sign(frame.subarray(0, signedEnd));
    if (signature.length !== SIGNATURE_BYTES) throw new RangeError(`signer returned ${signature.length} bytes, expected ${SIGNATURE_BYTES}`);
    frame.set(signature, signedEnd);
  }
  return frame;
}

/**
 * Reads and checks a frame. Checks, in order: size (before any parsing), layout, then
 * signature: a signed frame is verified when a verifier is given; an unsigned one is refused
 * when `requireSigned`.
 * @throws {FrameError} for any refused input, and nothing else whatever the bytes.
 * @throws {RangeError} when `options.maxBytes` is not a number >= 0 (a programming error).
 */
export function decodeFrame(data: Uint8Array, options: DecodeFrameOptions): Frame {
  const { maxBytes, verifier, requireSigned = false } = options;
  if (!(maxBytes >= 0)) throw new RangeError(`decodeFrame: maxBytes must be a number >= 0, got ${maxBytes}`);
  const bytes = data.length;
  if (bytes > maxBytes) throw new FrameError('oversized', bytes, `longer than the maximum of ${maxBytes} bytes`, undefined, maxBytes);

  if (bytes < PREFIX_BYTES) throw undecodable(bytes, bytes, `truncated: a frame has at least ${PREFIX_BYTES} header bytes`);
  if (data[0] !== MAGIC_0 || data[1] !== MAGIC_1) throw undecodable(bytes, 0, `bad magic 0x${hex(data[0]!)}${hex(data[1]!)}, expected 0x${hex(MAGIC_0)}${hex(MAGIC_1)}`);
  if (data[2] !== VERSION) throw undecodable(bytes, 2, `unknown format version ${data[2]}, expected ${VERSION}`);
  const flags = data[3]!;
  if ((flags & ~FLAG_SIGNED) !== 0) throw undecodable(bytes, 3, `unknown flag bits 0x${hex(flags & ~FLAG_SIGNED)}`);
  const hasSignature = (flags & FLAG_SIGNED) !== 0;

  const fromLength = data[4]!;
  if (fromLength === 0) throw undecodable(bytes, 4, 'empty sender id');
  const fromEnd = PREFIX_BYTES + fromLength;
  if (fromEnd + 4 > bytes) throw undecodable(bytes, 4, `truncated: sender id of ${fromLength} bytes and payload length need ${fromEnd + 4} bytes`);
  let from: string;
  try {
    from = utf8Decoder.decode(data.subarray(PREFIX_BYTES, fromEnd));
  } catch {
    throw undecodable(bytes, PREFIX_BYTES, 'sender id is not valid UTF-8');
  }

  const payloadLength = data[fromEnd]! * 0x1000000 + ((data[fromEnd + 1]! << 16) | (data[fromEnd + 2]! << 8) | data[fromEnd + 3]!);
  const payloadAt = fromEnd + 4;
  const signedEnd = payloadAt + payloadLength;
  const expected = signedEnd + (hasSignature ? SIGNATURE_BYTES : 0);
  if (expected !== bytes) {
    const what = hasSignature ? `payload length ${payloadLength} plus a ${SIGNATURE_BYTES}-byte signature` : `payload length ${payloadLength}`;
    const problem = expected > bytes ? `truncated: ${what} needs ${expected} bytes` : `${bytes - expected} trailing bytes after ${what}`;
    throw undecodable(bytes, fromEnd, problem, from);
  }
  const payload = data.subarray(payloadAt, signedEnd);

  if (!hasSignature) {
    if (requireSigned) throw new FrameError('unsigned', bytes, 'no signature, and signatures are required', from, 3);
    return { from, payload, signed: false };
  }
  if (verifier === undefined) {
    if (requireSigned) throw new FrameError('unknown-signer', bytes, 'signatures are required but no public keys are configured', from, 5);
    return { from, payload, signed: false };
  }
  if (!verifier.has(from)) throw new FrameError('unknown-signer', bytes, `no public key for node ${quote(from)}`, from, 5);
  if (!verifier.verify(from, data.subarray(0, signedEnd), data.subarray(signedEnd))) {
    throw new FrameError('bad-signature', bytes, `signature does not verify with the key of node ${quote(from)}`, from, signedEnd);
  }
  return { from, payload, signed: true };
}

function undecodable(bytes: number, offset: number, reason: string, from?: string): FrameError {
  return new FrameError('undecodable', bytes, reason, from, offset);
}

/** Quotes a sender id for a message: it is untrusted input, so control characters are escaped (no forged log lines). */
function quote(id: string): string {
  return `'${id.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
