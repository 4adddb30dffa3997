/** The cluster transport: public names. */

// --- frames and signing (frame.ts, signing.ts) ---
export { decodeFrame, encodeFrame, FrameError } from './frame.js';
export type { DecodeFrameOptions, Frame, FrameErrorKind } from './frame.js';
export {
  FrameSigner,
  FrameVerifier,
  generateNodeKeys,
  loadSigningConfig,
  parsePrivateKey,
  parsePublicKey,
  publicKeyString,
  SigningConfigError,
} from './signing.js';
export type { LoadSigningOptions, SigningSetup } from './signing.js';
// --- end frames and signing ---

// --- the cluster: transports, remoting, membership, nodes ---
export type { Transport, TransportHandlers, TransportStatus } from './transport.js';
export type { ClusterKv, KvEntry } from './kv.js';
export { MemoryHub, MemoryTransport, MemoryKv, defaultHub } from './memory-transport.js';
export { NatsTransport } from './nats-transport.js';
export type { NatsTransportOptions } from './nats-transport.js';
export { ClusterNode } from './cluster-node.js';
export type { ClusterNodeOptions } from './cluster-node.js';
export { RemoteRef } from './remote-ref.js';
export type { MemberInfo, MemberStatus } from './membership.js';
export { NodeDownError, TransportDownError, EnvelopeTooLargeError } from './errors.js';
// --- end cluster ---
