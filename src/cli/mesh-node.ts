import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadSigningConfig } from '../transport/signing.js';
import type { SigningSetup } from '../transport/signing.js';
import { ActorSystem } from '../index.js';
import type { ActorRef } from '../index.js';
import { ClusterNode } from '../transport/cluster-node.js';
import { NatsTransport } from '../transport/nats-transport.js';
import { ClusterPlacement } from '../cluster/placement.js';
import { configureMesh, registerMeshTypes } from '../../actors/mesh-types.js';
import { admissionSettingsOf, configureAdmission } from '../../actors/mesh/think.js';
import { analyzeTree, loadTreeFile, spawnTree, treeTypeNames } from '../../supervisors/config/index.js';
import type { TreeHandle } from '../../supervisors/config/index.js';

/**
 * One node of a mesh spread over processes (issue 5): an actor system joined to its cluster
 * over NATS, the tree file's root children (the sectors) placed over the nodes, this node's
 * share spawned. `actormesh node` runs one; `actormesh run --nats URL --nodes N` runs the
 * first in its own process and the others as `actormesh node` child processes.
 */
export interface MeshNodeOptions {
  /** The tree file (every node must be given the same one). */
  readonly file: string;
  /** NATS server URL(s). */
  readonly nats: string | string[];
  readonly nodeId: string;
  /**
   * Every node of the cluster, in placement order (units go round-robin over them). A node
   * given the list records it (with the root node and run id) in the cluster's `placement`
   * bucket; a node started without it reads it from there, so only one node (usually the
   * root's) needs the list.
   */
  readonly nodes?: readonly string[];
  /** The node that runs the root (default: the first of `nodes`). */
  readonly rootNode?: string;
  /** The cluster's name (default 'mesh'). */
  readonly cluster?: string;
  /** Mesh settings: must be the same on every node. */
  readonly seed: number;
  readonly speedup: number;
  readonly heartbeatMs?: number;
  readonly missedHeartbeats?: number;
  /** NATS credentials and TLS, passed through to the client. */
  readonly credentials?: NatsCredentials;
  /** How long to wait for every node to be up before placing, ms (default 30 s). */
  readonly joinTimeoutMs?: number;
  /**
   * A signing file (JSON or YAML: `privateKey` or `privateKeyFile`, `publicKeys` or
   * `publicKeysFile`, `requireSigned`): every frame this node sends is signed, unsigned or
   * badly signed frames are refused (see loadSigningConfig).
   */
  readonly signingFile?: string;
  /** Placement entries of other runs are ignored (see ClusterPlacementOptions.runId). */
  readonly runId?: string;
}

/** What `--nats-user`, `--nats-pass`, `--nats-token` and `--nats-tls-ca` give. */
export interface NatsCredentials {
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** PEM file of the CA that signed the server's certificate (turns TLS on). */
  readonly tlsCaFile?: string;
}

export interface MeshNode {
  readonly system: ActorSystem;
  readonly node: ClusterNode;
  readonly placement: ClusterPlacement;
  readonly tree: TreeHandle;
  /** The real root (remote on every node but the root node). */
  readonly root: ActorRef<unknown>;
  /** Leaves the cluster and terminates the system. */
  stop(): Promise<void>;
}

/** Starts a mesh node; rejects (having cleaned up) when the file, NATS or the join fails. */
export async function startMeshNode(options: MeshNodeOptions): Promise<MeshNode> {
  const loaded = loadTreeFile(options.file);
  const cluster = options.cluster ?? 'mesh';
  const system = ActorSystem.create({ name: cluster, node: options.nodeId, logLevel: 'warn' });
  try {
    registerMeshTypes(system);
    configureMesh(system, { seed: options.seed, speedup: options.speedup });
    const analysis = analyzeTree(loaded, { file: options.file, registeredTypes: system.registeredTypes, typesWithDefinitions: treeTypeNames(system) });
    if (analysis.plan === undefined || analysis.problems.length > 0) throw new Error(`${options.file}: ${analysis.problems.length} problem(s); run actormesh validate ${options.file}`);
    const lanes = admissionSettingsOf(loaded);
    if (lanes !== undefined) configureAdmission(system, lanes);
    const signing = options.signingFile === undefined ? undefined : loadSigningFile(options.signingFile, options.nodeId);
    const node = await ClusterNode.start(system, {
      transport: new NatsTransport({ servers: options.nats, connection: connectionOf(options.credentials) }),
      heartbeatMs: options.heartbeatMs ?? 250,
      missedHeartbeats: options.missedHeartbeats ?? 4,
      ...(signing !== undefined ? { signing } : {}),
    });
    const joinTimeoutMs = options.joinTimeoutMs ?? 30_000;
    const layout = await clusterLayout(node, options, joinTimeoutMs);
    await waitForNodes(node, layout.nodes, joinTimeoutMs);
    const units = analysis.plan.root.children.flatMap((child) => [...child.names]);
    const placement = await ClusterPlacement.start(node, { units, rootName: analysis.plan.root.names[0]!, rootNode: layout.rootNode, nodes: layout.nodes, ...(layout.runId !== undefined ? { runId: layout.runId } : {}) });
    const tree = spawnTree(system, loaded, { placement });
    placement.bind(tree.root);
    return {
      system,
      node,
      placement,
      tree,
      root: placement.rootRef(),
      stop: async () => {
        placement.stop();
        await system.terminate();
      },
    };
  } catch (error) {
    await system.terminate();
    throw error;
  }
}

/** The cluster's node list, root node and run id: recorded by a node that has them, read by one that does not. */
interface ClusterLayout {
  readonly nodes: readonly string[];
  readonly rootNode: string;
  readonly runId?: string;
}

/** The key of the layout in the `placement` bucket (unit names are actor names: no leading '_' clash in practice). */
const LAYOUT_KEY = '_layout';

async function clusterLayout(node: ClusterNode, options: MeshNodeOptions, timeoutMs: number): Promise<ClusterLayout> {
  const kv = await node.kv('placement');
  if (options.nodes !== undefined) {
    const layout: ClusterLayout = { nodes: [...options.nodes], rootNode: options.rootNode ?? options.nodes[0]!, ...(options.runId !== undefined ? { runId: options.runId } : {}) };
    if (!layout.nodes.includes(node.nodeId)) throw new Error(`node ${node.nodeId}: not one of the nodes (${layout.nodes.join(', ')})`);
    await kv.put(LAYOUT_KEY, layout);
    return layout;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entry = await kv.get<ClusterLayout>(LAYOUT_KEY);
    if (entry !== undefined && Array.isArray(entry.value?.nodes) && entry.value.nodes.includes(node.nodeId)) return entry.value;
    if (Date.now() > deadline) {
      throw new Error(
        entry === undefined
          ? `node ${node.nodeId}: no cluster layout after ${timeoutMs} ms (start one node with --nodes, or give this one --nodes)`
          : `node ${node.nodeId}: the cluster's nodes are ${entry.value.nodes.join(', ')}, not this one (give it --nodes to change the layout)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resolves once every node of `nodes` is up (as this node sees it); rejects naming the missing ones. */
export async function waitForNodes(node: ClusterNode, nodes: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = new Set(node.upNodes());
    const missing = nodes.filter((n) => !up.has(n));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`node ${node.nodeId}: nodes ${missing.join(', ')} did not join within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reads and checks a signing file (errors name the file and the field). */
export function loadSigningFile(file: string, nodeId: string): SigningSetup {
  let config: unknown;
  try {
    config = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`signing file ${file}: ${(error as Error).message}`, { cause: error });
  }
  return loadSigningConfig(config, file, { baseDir: dirname(file), selfId: nodeId });
}

function connectionOf(credentials: NatsCredentials | undefined): Record<string, unknown> {
  if (credentials === undefined) return {};
  const out: Record<string, unknown> = {};
  if (credentials.user !== undefined) out.user = credentials.user;
  if (credentials.pass !== undefined) out.pass = credentials.pass;
  if (credentials.token !== undefined) out.token = credentials.token;
  if (credentials.tlsCaFile !== undefined) out.tls = { ca: readFileSync(credentials.tlsCaFile, 'utf8') };
  return out;
}
