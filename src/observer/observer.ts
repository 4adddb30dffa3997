import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActorSystem } from '../system.js';
import type { ObserverMesh } from './api.js';
import { ObserverMetrics } from './metrics.js';
import { ObserverModel } from './model.js';
import { observerRoutes } from './server.js';
import { SseHub } from './sse.js';
import { TreeIndex } from './tree.js';

/**
 * attachObserver: serves the observer (page, JSON API, server-sent events, /metrics) for a
 * running system. Loopback and a free port by default; actions only with a token.
 */

export interface ObserverOptions {
  /** Address to bind. Default '127.0.0.1' (loopback only); anything else is reachable from the network. */
  readonly host?: string;
  /** Port; 0 (the default) picks a free one (read it from `url`). */
  readonly port?: number;
  /** Enables actions (heal, freeze, thaw) for requests bearing it; without it the observer is read-only. */
  readonly token?: string;
  /** The mesh whose heatmap, KPIs, mode and actions the page shows. */
  readonly mesh?: ObserverMesh;
  /** Milliseconds between snapshots on /events. Default 1000. */
  readonly sampleMs?: number;
  /** Milliseconds between SSE heartbeat comments. Default 15000. */
  readonly heartbeatMs?: number;
  /** How long a tree walk is reused, ms. Default 500. */
  readonly treeCacheMs?: number;
  /** Directory of index.html, app.js, style.css. Default: the `assets` directory beside this module. */
  readonly assetsDir?: string;
  /** Include prom-client's default process metrics in /metrics. Default true. */
  readonly processMetrics?: boolean;
}

/** A running observer. */
export interface Observer {
  /** Where the page is, e.g. 'http://127.0.0.1:40123/'. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops serving (open event streams end), stops listening to the system. Idempotent. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Starts an observer for `system`. Resolves once it listens; rejects (having cleaned up) when
 * the address cannot be bound or an option is wrong (the error names the option).
 */
export async function attachObserver(system: ActorSystem, options: ObserverOptions = {}): Promise<Observer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const sampleMs = options.sampleMs ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 15000;
  if (typeof host !== 'string' || host.length === 0) throw new TypeError(`observer options.host must be a non-empty string (got ${String(host)})`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`observer options.port must be an integer 0..65535 (got ${String(port)})`);
  if (!Number.isFinite(sampleMs) || sampleMs < 50) throw new RangeError(`observer options.sampleMs must be a number >= 50 (got ${String(sampleMs)})`);
  if (!Number.isFinite(heartbeatMs) || heartbeatMs < 100) throw new RangeError(`observer options.heartbeatMs must be a number >= 100 (got ${String(heartbeatMs)})`);
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.length === 0)) {
    throw new TypeError('observer options.token must be a non-empty string when given');
  }
  if (system.terminated) throw new TypeError(`cannot attach an observer to system '${system.name}': it is terminated`);
  const assetsDir = options.assetsDir ?? defaultAssetsDir();

  const tree = new TreeIndex(system, options.treeCacheMs === undefined ? {} : { cacheMs: options.treeCacheMs });
  const model = new ObserverModel(system, { mesh: options.mesh, actionsEnabled: options.token !== undefined });
  const metrics = new ObserverMetrics(system, model, tree, { processMetrics: options.processMetrics ?? true });
  const hub = new SseHub(model, sampleMs, heartbeatMs);
  const loopback = LOOPBACK.has(host.toLowerCase()) || host.startsWith('127.');
  const server = createServer(
    observerRoutes({
      system,
      model,
      tree,
      metrics,
      hub,
      assetsDir,
      mesh: options.mesh,
      token: options.token,
      allowedHosts: loopback ? new Set([...LOOPBACK, host.toLowerCase()]) : null,
    }),
  );
  const cleanUp = (): void => {
    hub.close();
    model.close();
    metrics.close();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    cleanUp();
    throw new Error(`observer could not listen on ${host}:${port}: ${(error as Error).message}`, { cause: error });
  }

  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  const observer: Observer = {
    url: `http://${urlHost}:${address.port}/`,
    host: address.address,
    port: address.port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        cleanUp();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
  // A terminated system has nothing left to show: the observer closes with it (close() stays idempotent).
  void system.whenTerminated.then(() => observer.close());
  return observer;
}

/**
 * The assets beside this module: src/observer/assets when run from source (tsx), and
 * dist/src/observer/assets after a build that copied them; if a build did not, the
 * source directory is found from dist/src/observer.
 */
export function defaultAssetsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(here, 'assets');
  if (existsSync(beside)) return beside;
  const source = path.resolve(here, '../../../src/observer/assets');
  return existsSync(source) ? source : beside;
}
