import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  decodeFrame,
  encodeFrame,
  FrameError,
  FrameSigner,
  FrameVerifier,
  generateNodeKeys,
  loadSigningConfig,
  SigningConfigError,
} from '../../src/transport/index.js';
import type { Frame, FrameErrorKind } from '../../src/transport/index.js';

const keysA = generateNodeKeys();
const keysB = generateNodeKeys();
const keysC = generateNodeKeys();
const signerA = new FrameSigner(keysA.privateKey);
const signerC = new FrameSigner(keysC.privateKey);
const verifier = new FrameVerifier({ 'node-a': keysA.publicKey, 'node-b': keysB.publicKey });
const MAX = 1 << 20;
const payload = new Uint8Array([1, 2, 3, 4, 5, 250, 251, 252]);

/** The FrameError `decodeFrame` throws; fails the test when it returns or throws anything else. */
function refusal(data: Uint8Array, options: Parameters<typeof decodeFrame>[1]): FrameError {
  try {
    const frame = decodeFrame(data, options);
    assert.fail(`expected a FrameError, got a frame from '${frame.from}'`);
  } catch (error) {
    if (!(error instanceof FrameError)) throw error;
    return error;
  }
}

function flipBit(data: Uint8Array, bit: number): Uint8Array {
  const copy = data.slice();
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

describe('transport frames', () => {
  describe('round trip', () => {
    it('decodes an unsigned frame to the same sender and payload', () => {
      const frame = decodeFrame(encodeFrame('node-a', payload), { maxBytes: MAX });
      assert.deepEqual(frame, { from: 'node-a', payload, signed: false });
    });

    it('decodes a signed frame and reports it verified', () => {
      const frame = decodeFrame(encodeFrame('node-a', payload, signerA), { maxBytes: MAX, verifier, requireSigned: true });
      assert.equal(frame.from, 'node-a');
      assert.deepEqual(frame.payload, payload);
      assert.equal(frame.signed, true);
    });

    it('keeps an empty payload, a multi-byte UTF-8 sender id and a 255-byte one', () => {
      for (const from of ['nœud-é-🛰', 'n'.repeat(255)]) {
        assert.deepEqual(decodeFrame(encodeFrame(from, new Uint8Array(0)), { maxBytes: MAX }), { from, payload: new Uint8Array(0), signed: false });
      }
    });

    it('decodes a frame that sits at an offset inside a larger buffer (a transport view)', () => {
      const encoded = encodeFrame('node-a', payload, signerA);
      const big = new Uint8Array(encoded.length + 17);
      big.set(encoded, 7);
      const frame = decodeFrame(big.subarray(7, 7 + encoded.length), { maxBytes: MAX, verifier, requireSigned: true });
      assert.deepEqual([frame.from, [...frame.payload], frame.signed], ['node-a', [...payload], true]);
    });

    it('lays out magic, version, flags, id and payload length as documented', () => {
      const encoded = encodeFrame('ab', new Uint8Array([9]));
      assert.deepEqual([...encoded], [0xf0, 0x4d, 1, 0, 2, 0x61, 0x62, 0, 0, 0, 1, 9]);
      assert.equal(encodeFrame('ab', new Uint8Array([9]), signerA).length, 12 + 64);
      assert.equal(encodeFrame('ab', new Uint8Array([9]), signerA)[3], 1);
    });

    it('accepts a signed frame without a verifier when signatures are not required, as not verified', () => {
      const frame = decodeFrame(encodeFrame('node-a', payload, signerA), { maxBytes: MAX });
      assert.equal(frame.signed, false);
    });

    it('refuses to encode an empty, too long or ill-formed sender id', () => {
      assert.throws(() => encodeFrame('', payload), RangeError);
      assert.throws(() => encodeFrame('é'.repeat(128), payload), RangeError); // 256 bytes
      assert.throws(() => encodeFrame('bad\ud800', payload), RangeError);
    });
  });

  describe('refusals', () => {
    it('oversized: checked on the length before any parsing', () => {
      const encoded = encodeFrame('node-a', new Uint8Array(100));
      const error = refusal(encoded, { maxBytes: encoded.length - 1 });
      assert.equal(error.kind, 'oversized');
      assert.equal(error.bytes, encoded.length);
      assert.equal(error.from, undefined);
      assert.match(error.message, /^oversized frame \(115 bytes\) at byte 114: longer than the maximum of 114 bytes$/);
      // Garbage too long is oversized, not undecodable: nothing was parsed.
      assert.equal(refusal(new Uint8Array(50), { maxBytes: 10 }).kind, 'oversized');
      assert.equal(decodeFrame(encoded, { maxBytes: encoded.length }).from, 'node-a');
    });

    it('undecodable: truncated at every byte offset of a valid frame, signed and unsigned', () => {
      for (const encoded of [encodeFrame('node-a', payload), encodeFrame('node-a', payload, signerA)]) {
        for (let length = 0; length < encoded.length; length++) {
          const error = refusal(encoded.subarray(0, length), { maxBytes: MAX, verifier, requireSigned: true });
          assert.equal(error.kind, 'undecodable', `truncated to ${length} bytes: ${error.message}`);
          assert.equal(error.bytes, length);
          assert.match(error.message, /truncated/, `truncated to ${length} bytes: ${error.message}`);
          assert.match(error.message, /at byte \d+/);
        }
      }
    });

    it('undecodable: trailing bytes, naming the sender and the offset', () => {
      const encoded = encodeFrame('node-a', payload);
      const longer = new Uint8Array(encoded.length + 3);
      longer.set(encoded);
      const error = refusal(longer, { maxBytes: MAX });
      assert.equal(error.kind, 'undecodable');
      assert.equal(error.from, 'node-a');
      assert.equal(error.offset, 11);
      assert.match(error.message, /3 trailing bytes after payload length 8/);
    });

    it('undecodable: bad magic, wrong version, unknown flags, empty or non-UTF-8 sender id', () => {
      const encoded = encodeFrame('node-a', payload);
      const at = (index: number, value: number) => {
        const copy = encoded.slice();
        copy[index] = value;
        return copy;
      };
      const cases: Array<[Uint8Array, number, RegExp]> = [
        [at(0, 0x7b), 0, /bad magic 0x7b4d, expected 0xf04d/],
        [at(1, 0x00), 0, /bad magic/],
        [at(2, 2), 2, /unknown format version 2, expected 1/],
        [at(3, 0x80), 3, /unknown flag bits 0x80/],
        [at(4, 0), 4, /empty sender id/],
        [at(5, 0xff), 5, /sender id is not valid UTF-8/],
      ];
      for (const [data, offset, message] of cases) {
        const error = refusal(data, { maxBytes: MAX });
        assert.equal(error.kind, 'undecodable');
        assert.equal(error.offset, offset);
        assert.match(error.message, message);
        assert.match(error.message, new RegExp(`at byte ${offset}:`));
      }
      assert.equal(refusal(new TextEncoder().encode('{"hello":"world"}'), { maxBytes: MAX }).kind, 'undecodable');
    });

    it('unsigned: refused when signatures are required, accepted otherwise', () => {
      const encoded = encodeFrame('node-a', payload);
      const error = refusal(encoded, { maxBytes: MAX, verifier, requireSigned: true });
      assert.equal(error.kind, 'unsigned');
      assert.equal(error.from, 'node-a');
      assert.equal(decodeFrame(encoded, { maxBytes: MAX, verifier }).signed, false);
    });

    it('unknown-signer: signed by a node the verifier has no key for (even one named like an Object property)', () => {
      for (const from of ['node-c', 'constructor', '__proto__', 'toString']) {
        const error = refusal(encodeFrame(from, payload, signerC), { maxBytes: MAX, verifier, requireSigned: true });
        assert.equal(error.kind, 'unknown-signer', from);
        assert.equal(error.from, from);
        assert.match(error.message, new RegExp(`no public key for node '${from}'`));
      }
      assert.equal(refusal(encodeFrame('node-a', payload, signerA), { maxBytes: MAX, requireSigned: true }).kind, 'unknown-signer');
    });

    it('escapes control characters of the (untrusted) sender id in messages', () => {
      const error = refusal(encodeFrame('evil\nINFO forged line', payload, signerC), { maxBytes: MAX, verifier });
      assert.equal(error.from, 'evil\nINFO forged line');
      assert.ok(!error.message.includes('\n'), error.message);
      assert.match(error.message, /'evil\\u000aINFO forged line'/);
    });

    it('bad-signature: a frame signed by node A that claims to come from node B', () => {
      const error = refusal(encodeFrame('node-b', payload, signerA), { maxBytes: MAX, verifier, requireSigned: true });
      assert.equal(error.kind, 'bad-signature');
      assert.equal(error.from, 'node-b');
      // Even when signatures are optional, a signature that is there must verify.
      assert.equal(refusal(encodeFrame('node-b', payload, signerA), { maxBytes: MAX, verifier }).kind, 'bad-signature');
    });

    it('a flipped bit anywhere in a signed frame is never accepted', () => {
      const encoded = encodeFrame('node-a', new Uint8Array(40).fill(7), signerA);
      const kinds = new Map<FrameErrorKind, number>();
      for (let bit = 0; bit < encoded.length * 8; bit++) {
        for (const requireSigned of [true, false]) {
          const error = refusal(flipBit(encoded, bit), { maxBytes: MAX, verifier, requireSigned });
          // A flip in the sender id can name a node without a key; everything else breaks the layout or the signature.
          assert.ok(['bad-signature', 'undecodable', 'unknown-signer'].includes(error.kind), `bit ${bit}: ${error.message}`);
          if (error.kind === 'unknown-signer') assert.ok(bit >= 5 * 8 && bit < (5 + 6) * 8, `bit ${bit}: ${error.message}`);
          kinds.set(error.kind, (kinds.get(error.kind) ?? 0) + 1);
        }
      }
      // Flips in the payload and the signature reach the signature check.
      assert.ok((kinds.get('bad-signature') ?? 0) >= (40 + 64) * 8 * 2);
    });
  });

  describe('property: any bytes give a Frame or a FrameError, never another exception', () => {
    const frameArb = fc.record({
      from: fc.oneof(fc.constantFrom('node-a', 'node-b', 'node-c'), fc.string({ minLength: 1, maxLength: 20 })),
      payload: fc.uint8Array({ maxLength: 200 }),
      signer: fc.constantFrom(undefined, signerA, signerC),
    }).filter(({ from }) => {
      // encodeFrame refuses ids over 255 bytes and lone surrogates (they would not survive UTF-8).
      const bytes = new TextEncoder().encode(from);
      return bytes.length <= 255 && new TextDecoder().decode(bytes) === from;
    });

    type Mutation =
      | { type: 'flip'; at: number; bit: number }
      | { type: 'set'; at: number; value: number }
      | { type: 'truncate'; at: number }
      | { type: 'insert'; at: number; bytes: Uint8Array }
      | { type: 'delete'; at: number; count: number };
    const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ type: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ type: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ type: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ type: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
      fc.record({ type: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
    );

    function mutate(data: Uint8Array, mutation: Mutation): Uint8Array {
      const at = data.length === 0 ? 0 : mutation.at % data.length;
      const copy = data.slice();
      switch (mutation.type) {
        case 'flip':
          if (copy.length > 0) copy[at]! ^= 1 << mutation.bit;
          return copy;
        case 'set':
          if (copy.length > 0) copy[at] = mutation.value;
          return copy;
        case 'truncate':
          return copy.subarray(0, at);
        case 'insert':
          return new Uint8Array([...copy.subarray(0, at), ...mutation.bytes, ...copy.subarray(at)]);
        case 'delete':
          return new Uint8Array([...copy.subarray(0, at), ...copy.subarray(at + mutation.count)]);
      }
    }

    /** Decodes with each option set; returns the frames accepted. Fails on anything thrown but a FrameError. */
    function decodeAll(data: Uint8Array): Array<{ requireSigned: boolean; frame: Frame }> {
      const accepted: Array<{ requireSigned: boolean; frame: Frame }> = [];
      for (const options of [
        { maxBytes: 300 },
        { maxBytes: 300, verifier, requireSigned: true },
        { maxBytes: 300, verifier, requireSigned: false },
      ]) {
        try {
          accepted.push({ requireSigned: options.requireSigned ?? false, frame: decodeFrame(data, options) });
        } catch (error) {
          if (!(error instanceof FrameError)) throw error;
          assert.equal(error.bytes, data.length);
        }
      }
      return accepted;
    }

    it('random bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 400 }), (data) => {
          decodeAll(data);
        }),
        { numRuns: 1000 },
      );
    });

    it('random bytes after a valid header (to get past the magic and version)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1 }), fc.uint8Array({ maxLength: 120 }), (flags, rest) => {
          decodeAll(new Uint8Array([0xf0, 0x4d, 1, flags, ...rest]));
        }),
        { numRuns: 1000 },
      );
    });

    it('random mutations of valid frames; a mutated signed frame is accepted only as a copy of the original', () => {
      fc.assert(
        fc.property(frameArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), ({ from, payload, signer }, mutations) => {
          const original = encodeFrame(from, payload, signer);
          const data = mutations.reduce(mutate, original);
          for (const { requireSigned, frame } of decodeAll(data)) {
            if (requireSigned) {
              assert.equal(frame.signed, true);
              assert.deepEqual(data, original, 'a changed frame passed signature checks');
              assert.ok(frame.from === 'node-a' && signer === signerA);
            }
          }
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe('keys and signing config', () => {
    it('generates base64 raw keys that sign and verify, and accepts the same keys as PEM and KeyObject', () => {
      assert.match(keysA.privateKey, /^[A-Za-z0-9+/]{43}=$/);
      assert.match(keysA.publicKey, /^[A-Za-z0-9+/]{43}=$/);
      assert.equal(signerA.publicKey, keysA.publicKey);
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const pemSigner = new FrameSigner(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
      const pemVerifier = new FrameVerifier({ x: publicKey.export({ format: 'pem', type: 'spki' }).toString(), y: publicKey });
      const data = new Uint8Array([1, 2, 3]);
      assert.equal(pemVerifier.verify('x', data, pemSigner.sign(data)), true);
      assert.equal(pemVerifier.verify('y', data, new FrameSigner(privateKey).sign(data)), true);
      assert.equal(pemVerifier.verify('x', new Uint8Array([1, 2, 4]), pemSigner.sign(data)), false);
      assert.equal(pemVerifier.verify('z', data, pemSigner.sign(data)), false);
      assert.equal(pemVerifier.verify('x', data, new Uint8Array(10)), false);
      // base64url of the raw key is accepted too.
      const url = keysA.publicKey.replace(/\+/g, '-').replace(/\//g, '_').replace(/=$/, '');
      assert.equal(new FrameVerifier({ a: url }).verify('a', data, signerA.sign(data)), true);
    });

    it('loads a config: requireSigned defaults to true; the own key is added when selfId is given', () => {
      const setup = loadSigningConfig({ privateKey: keysA.privateKey, publicKeys: { 'node-b': keysB.publicKey } }, 'cluster.signing', { selfId: 'node-a' });
      assert.equal(setup.requireSigned, true);
      assert.equal(setup.verifier.has('node-a'), true);
      const frame = decodeFrame(encodeFrame('node-a', payload, setup.signer), { maxBytes: MAX, ...setup });
      assert.equal(frame.signed, true);
      const odd = loadSigningConfig({ privateKey: keysA.privateKey, publicKeys: JSON.parse(`{"__proto__": "${keysB.publicKey}"}`) as unknown }, 's');
      assert.deepEqual([odd.verifier.has('__proto__'), odd.verifier.has('constructor')], [true, false]);
      const optional = loadSigningConfig({ privateKey: keysA.privateKey, publicKeys: {}, requireSigned: false }, 's');
      assert.equal(optional.requireSigned, false);
    });

    it('loads keys from files (YAML or JSON map), relative to baseDir', () => {
      const dir = mkdtempSync(join(tmpdir(), 'actormesh-keys-'));
      try {
        writeFileSync(join(dir, 'node-a.key'), `${keysA.privateKey}\n`);
        writeFileSync(join(dir, 'keys.yaml'), `node-a: ${keysA.publicKey}\nnode-b: "${keysB.publicKey}"\n`);
        writeFileSync(join(dir, 'keys.json'), JSON.stringify({ 'node-a': keysA.publicKey }));
        for (const publicKeysFile of ['keys.yaml', 'keys.json']) {
          const setup = loadSigningConfig({ privateKeyFile: 'node-a.key', publicKeysFile }, 'signing', { baseDir: dir });
          assert.equal(decodeFrame(encodeFrame('node-a', payload, setup.signer), { maxBytes: MAX, ...setup }).signed, true);
        }
        assert.throws(
          () => loadSigningConfig({ privateKeyFile: 'missing.key', publicKeysFile: 'keys.yaml' }, 'signing', { baseDir: dir }),
          (error: SigningConfigError) => /^signing\.privateKeyFile \(.*missing\.key\): cannot read \(ENOENT\)$/.test(error.message),
        );
        writeFileSync(join(dir, 'bad.yaml'), `node-a: ${keysA.publicKey}\nnode-b: nonsense\n`);
        assert.throws(
          () => loadSigningConfig({ privateKeyFile: 'node-a.key', publicKeysFile: 'bad.yaml' }, 'signing', { baseDir: dir }),
          (error: SigningConfigError) => /^signing\.publicKeysFile \(.*bad\.yaml\)\.node-b: not an Ed25519 public key/.test(error.message),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('names the bad field in every error, and never echoes the private key', () => {
      const ok = { privateKey: keysA.privateKey, publicKeys: { 'node-a': keysA.publicKey, 'node-b': keysB.publicKey } };
      const { privateKey: dsaPrivate } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const cases: Array<[unknown, string, RegExp]> = [
        [null, 'c', /^c: expected an object, got null$/],
        [{ ...ok, publicKeys: { ...ok.publicKeys, 'node-2': 'not-a-key' } }, 'c', /^c\.publicKeys\.node-2: not an Ed25519 public key/],
        [{ ...ok, publicKeys: { 'node-2': keysB.publicKey.slice(1) } }, 'c', /^c\.publicKeys\.node-2: not an Ed25519 public key/],
        [{ ...ok, publicKeys: { 'node-2': 42 } }, 'c', /^c\.publicKeys\.node-2: expected a public key string, got number 42$/],
        [
          { ...ok, publicKeys: { 'node-2': dsaPrivate.export({ format: 'pem', type: 'pkcs8' }).toString() } },
          'c',
          /^c\.publicKeys\.node-2: not an Ed25519 public key \(PEM block is not "PUBLIC KEY"\)$/,
        ],
        [{ ...ok, publicKeys: { ['x'.repeat(256)]: keysB.publicKey } }, 'c', /^c\.publicKeys\.x+: node id must be 1 to 255 bytes/],
        [{ ...ok, publicKeys: [] }, 'c', /^c\.publicKeys: expected a map of node id to public key, got an array$/],
        [{ ...ok, publicKeys: {} }, 'c', /^c\.publicKeys: is empty while requireSigned is true/],
        [{ publicKeys: ok.publicKeys }, 'c', /^c\.privateKey: missing \(give privateKey or privateKeyFile\)$/],
        [{ ...ok, privateKeyFile: 'x' }, 'c', /^c\.privateKey: give either privateKey or privateKeyFile, not both$/],
        [{ ...ok, privateKey: 7 }, 'c', /^c\.privateKey: expected a private key string$/],
        [{ ...ok, privateKey: 'garbage' }, 'c', /^c\.privateKey: not an Ed25519 private key/],
        [{ ...ok, privateKey: dsaPrivate.export({ format: 'pem', type: 'pkcs8' }).toString() }, 'c', /^c\.privateKey: not an Ed25519 private key \(got a ec private key\)$/],
        [{ ...ok, privateKey: keysB.publicKey }, 'c', /^c\.privateKey: is the same string as c\.publicKeys\.node-b/],
        [{ ...ok, requireSigned: 'yes' }, 'c', /^c\.requireSigned: expected true or false, got the string "yes"$/],
        [{ ...ok, requiredSigned: false }, 'c', /^c\.requiredSigned: unknown field/],
      ];
      for (const [config, place, message] of cases) {
        assert.throws(
          () => loadSigningConfig(config, place),
          (error: unknown) => {
            assert.ok(error instanceof SigningConfigError, String(error));
            assert.match(error.message, message);
            assert.ok(!error.message.includes(keysA.privateKey), 'the private key leaked into an error message');
            return true;
          },
        );
      }
      assert.throws(
        () => loadSigningConfig({ ...ok, publicKeys: { 'node-a': keysC.publicKey } }, 'c', { selfId: 'node-a' }),
        /^SigningConfigError: c\.publicKeys\.node-a: does not match c\.privateKey/,
      );
    });

    it('the key classes refuse keys of the wrong kind', () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      assert.throws(() => new FrameSigner(publicKey), /privateKey: not an Ed25519 private key/);
      assert.throws(() => new FrameSigner(keysA.publicKey + 'x'), SigningConfigError);
      assert.throws(() => new FrameVerifier({ n1: privateKey }), /publicKeys\.n1: not an Ed25519 public key/);
    });
  });
});
