/**
 * Ed25519 keys, signer and verifier for frames between nodes (MESH-30K part 9.1: "Ed25519
 * signature on message, recipient verifies before processing"), with node:crypto only.
 *
 * Key strings, as they go into a config file or an environment variable:
 * - written by `generateNodeKeys`: base64 of the raw 32-byte key (the private key is the
 *   RFC 8032 seed), 44 characters, e.g. `publicKey: "u6ocO2Xk...Q="`;
 * - accepted when loading: that, the same in base64url (43 characters, no padding), or PEM
 *   (`-----BEGIN PRIVATE KEY-----` PKCS#8, `-----BEGIN PUBLIC KEY-----` SPKI, as written by
 *   `openssl genpkey -algorithm ed25519`).
 * A raw private and a raw public key look alike (32 bytes each), so `loadSigningConfig`
 * refuses a `privateKey` equal to one of the `publicKeys` (the usual paste mistake).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The fixed DER prefixes that wrap a raw Ed25519 key into PKCS#8 / SPKI (RFC 8410). */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const BASE64_RAW = /^(?:[A-Za-z0-9+/]{43}=|[A-Za-z0-9_-]{43})$/;
/** Longest node id a frame can carry (its length is one byte). */
const MAX_NODE_ID_BYTES = 255;

/** A key string, a key file or a signing config is wrong; `field` is the full path of the bad field. */
export class SigningConfigError extends Error {
  constructor(
    /** Where the bad value is, e.g. `cluster.signing.publicKeys.node-2`. */
    readonly field: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${field}: ${reason}`, options);
    this.name = 'SigningConfigError';
  }
}

/** A fresh Ed25519 key pair for one node, both as base64 of the raw 32-byte keys. */
export function generateNodeKeys(): { privateKey: string; publicKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { privateKey: rawPrivate(privateKey).toString('base64'), publicKey: publicKeyString(privateKey) };
}

/** The public key (base64 raw) of a private or public Ed25519 key, to publish or compare. */
export function publicKeyString(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length).toString('base64');
}

/**
 * Parses a private key string (base64 raw seed, base64url, or PKCS#8 PEM).
 * @throws {SigningConfigError} naming `place` when it is not an Ed25519 private key.
 */
export function parsePrivateKey(text: string, place = 'privateKey'): KeyObject {
  const s = text.trim();
  let key: KeyObject;
  try {
    if (s.startsWith('-----BEGIN')) {
      if (!/^-----BEGIN PRIVATE KEY-----/.test(s)) throw new Error('PEM block is not "PRIVATE KEY"');
      key = createPrivateKey(s);
    } else if (BASE64_RAW.test(s)) {
      key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.from(s, 'base64')]), format: 'der', type: 'pkcs8' });
    } else {
      throw new Error('expected base64 of 32 raw bytes (44 characters) or a PEM block');
    }
  } catch (error) {
    throw new SigningConfigError(place, `not an Ed25519 private key (${(error as Error).message})`, { cause: error });
  }
  checkKeyObject(key, 'private', place);
  return key;
}

/**
 * Parses a public key string (base64 raw, base64url, or SPKI PEM). A private key PEM is refused
 * (node:crypto would quietly derive its public half, hiding that a secret was pasted in a public list).
 * @throws {SigningConfigError} naming `place` when it is not an Ed25519 public key.
 */
export function parsePublicKey(text: string, place = 'publicKey'): KeyObject {
  const s = text.trim();
  let key: KeyObject;
  try {
    if (s.startsWith('-----BEGIN')) {
      if (!/^-----BEGIN PUBLIC KEY-----/.test(s)) throw new Error('PEM block is not "PUBLIC KEY"');
      key = createPublicKey(s);
    } else if (BASE64_RAW.test(s)) {
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(s, 'base64')]), format: 'der', type: 'spki' });
    } else {
      throw new Error('expected base64 of 32 raw bytes (44 characters) or a PEM block');
    }
  } catch (error) {
    throw new SigningConfigError(place, `not an Ed25519 public key (${(error as Error).message})`, { cause: error });
  }
  checkKeyObject(key, 'public', place);
  return key;
}

function checkKeyObject(key: KeyObject, type: 'private' | 'public', place: string): void {
  if (key.type !== type || key.asymmetricKeyType !== 'ed25519') {
    throw new SigningConfigError(place, `not an Ed25519 ${type} key (got a ${key.asymmetricKeyType ?? 'secret'} ${key.type} key)`);
  }
}

function rawPrivate(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
}

/** Signs frames with this node's private key. */
export class FrameSigner {
  private readonly key: KeyObject;
  /** The matching public key, base64 raw (what the other nodes list under this node's id). */
  readonly publicKey: string;

  /** @throws {SigningConfigError} when `privateKey` is not an Ed25519 private key. */
  constructor(privateKey: string | KeyObject) {
    if (typeof privateKey === 'string') this.key = parsePrivateKey(privateKey);
    else {
      checkKeyObject(privateKey, 'private', 'privateKey');
      this.key = privateKey;
    }
    this.publicKey = publicKeyString(this.key);
  }

  /** The 64-byte Ed25519 signature of `data`. */
  sign(data: Uint8Array): Uint8Array {
    return sign(null, data, this.key);
  }
}

/** Checks frames against the public keys of the known nodes. */
export class FrameVerifier {
  // A Map, not the record: node ids such as 'constructor' or '__proto__' must not find keys.
  private readonly keys = new Map<string, KeyObject>();

  /** @throws {SigningConfigError} naming `publicKeys.<nodeId>` when a key is not an Ed25519 public key. */
  constructor(publicKeys: Readonly<Record<string, string | KeyObject>>) {
    for (const [nodeId, key] of Object.entries(publicKeys)) {
      const place = `publicKeys.${nodeId}`;
      if (typeof key === 'string') this.keys.set(nodeId, parsePublicKey(key, place));
      else {
        checkKeyObject(key, 'public', place);
        this.keys.set(nodeId, key);
      }
    }
  }

  /** True when a public key is known for `nodeId`. */
  has(nodeId: string): boolean {
    return this.keys.has(nodeId);
  }

  /** The node ids with a known key. */
  nodeIds(): string[] {
    return [...this.keys.keys()];
  }

  /** True when `signature` is `nodeId`'s valid signature of `data`; false otherwise (unknown node included). Never throws. */
  verify(nodeId: string, data: Uint8Array, signature: Uint8Array): boolean {
    const key = this.keys.get(nodeId);
    if (key === undefined || signature.length !== 64) return false;
    try {
      return verify(null, data, key, signature);
    } catch {
      return false;
    }
  }
}

/** What `loadSigningConfig` returns: ready for `encodeFrame` / `decodeFrame`. */
export interface SigningSetup {
  readonly signer: FrameSigner;
  readonly verifier: FrameVerifier;
  /** Refuse unsigned frames (default true). */
  readonly requireSigned: boolean;
}

/** Options of `loadSigningConfig`. */
export interface LoadSigningOptions {
  /** Directory that relative `privateKeyFile` / `publicKeysFile` paths are resolved against (default: the working directory). */
  readonly baseDir?: string;
  /**
   * This node's id. When given, its entry in `publicKeys` must match `privateKey`, and is added
   * when absent (a node receives its own broadcasts, so it must be able to verify itself).
   */
  readonly selfId?: string;
}

const FIELDS = new Set(['privateKey', 'privateKeyFile', 'publicKeys', 'publicKeysFile', 'requireSigned']);

/**
 * Validates a signing config and builds its signer and verifier:
 * `{ privateKey | privateKeyFile, publicKeys | publicKeysFile, requireSigned?: boolean (default true) }`.
 * `privateKeyFile` holds one key string; `publicKeysFile` a JSON or YAML map of node id to key
 * string. Unknown fields are refused (a misspelt `requireSigned` must not silently mean true).
 * @param place the config path of this object, for error messages (e.g. `cluster.signing`).
 * @throws {SigningConfigError} naming the bad field, e.g. `cluster.signing.publicKeys.node-2: not an Ed25519 public key`.
 */
export function loadSigningConfig(config: unknown, place: string, options: LoadSigningOptions = {}): SigningSetup {
  if (!isRecord(config)) throw new SigningConfigError(place, `expected an object, got ${describe(config)}`);
  for (const field of Object.keys(config)) {
    if (!FIELDS.has(field)) throw new SigningConfigError(`${place}.${field}`, `unknown field (expected one of ${[...FIELDS].join(', ')})`);
  }

  const privateKeyText = oneOf(config, 'privateKey', 'privateKeyFile', place, options, (text) => text);
  // Never echo this value: it is a secret.
  if (typeof privateKeyText.value !== 'string') throw new SigningConfigError(privateKeyText.place, 'expected a private key string');
  const privateKeyString = privateKeyText.value;
  const privateKey = parsePrivateKey(privateKeyString, privateKeyText.place);

  const publicKeysValue = oneOf(config, 'publicKeys', 'publicKeysFile', place, options, (text, field) => {
    try {
      return parseYaml(text) as unknown;
    } catch (error) {
      throw new SigningConfigError(field, `not JSON or YAML (${(error as Error).message})`, { cause: error });
    }
  });
  if (!isRecord(publicKeysValue.value)) {
    throw new SigningConfigError(publicKeysValue.place, `expected a map of node id to public key, got ${describe(publicKeysValue.value)}`);
  }
  // No prototype: a node id '__proto__' (possible in JSON or YAML) must be an entry, not a setter call.
  const keys: Record<string, KeyObject> = Object.create(null) as Record<string, KeyObject>;
  const keyTexts = new Map<string, string>();
  for (const [nodeId, text] of Object.entries(publicKeysValue.value)) {
    const field = `${publicKeysValue.place}.${nodeId}`;
    const idBytes = Buffer.byteLength(nodeId, 'utf8');
    if (idBytes === 0 || idBytes > MAX_NODE_ID_BYTES) throw new SigningConfigError(field, `node id must be 1 to ${MAX_NODE_ID_BYTES} bytes of UTF-8 (is ${idBytes})`);
    if (typeof text !== 'string') throw new SigningConfigError(field, `expected a public key string, got ${describe(text)}`);
    if (text.trim() === privateKeyString.trim()) {
      throw new SigningConfigError(privateKeyText.place, `is the same string as ${field}: a public key where the private key belongs, or a private key published`);
    }
    keys[nodeId] = parsePublicKey(text, field);
    keyTexts.set(nodeId, publicKeyString(keys[nodeId]!));
  }

  const signer = new FrameSigner(privateKey);
  if (options.selfId !== undefined) {
    const own = keyTexts.get(options.selfId);
    if (own === undefined) keys[options.selfId] = createPublicKey(privateKey);
    else if (own !== signer.publicKey) {
      throw new SigningConfigError(`${publicKeysValue.place}.${options.selfId}`, `does not match ${privateKeyText.place} (this node's key is ${signer.publicKey})`);
    }
  }

  const requireSigned = config['requireSigned'] ?? true;
  if (typeof requireSigned !== 'boolean') throw new SigningConfigError(`${place}.requireSigned`, `expected true or false, got ${describe(requireSigned)}`);
  if (requireSigned && Object.keys(keys).length === 0) {
    throw new SigningConfigError(publicKeysValue.place, 'is empty while requireSigned is true: every frame would be refused');
  }
  return { signer, verifier: new FrameVerifier(keys), requireSigned };
}

/**
 * Reads exactly one of an inline field and its `...File` twin (file text through `parseFile`);
 * returns the value and the place to blame in later errors.
 */
function oneOf(
  config: Record<string, unknown>,
  inline: string,
  file: string,
  place: string,
  options: LoadSigningOptions,
  parseFile: (text: string, field: string) => unknown,
): { value: unknown; place: string } {
  const hasInline = config[inline] !== undefined;
  const hasFile = config[file] !== undefined;
  if (hasInline && hasFile) throw new SigningConfigError(`${place}.${inline}`, `give either ${inline} or ${file}, not both`);
  if (!hasInline && !hasFile) throw new SigningConfigError(`${place}.${inline}`, `missing (give ${inline} or ${file})`);
  if (hasInline) return { value: config[inline], place: `${place}.${inline}` };
  const path = config[file];
  if (typeof path !== 'string' || path === '') throw new SigningConfigError(`${place}.${file}`, `expected a file path, got ${describe(path)}`);
  const full = resolve(options.baseDir ?? process.cwd(), path);
  const field = `${place}.${file} (${full})`;
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    throw new SigningConfigError(field, `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
  return { value: parseFile(text, field), place: field };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
