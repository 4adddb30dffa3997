import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../errors.js';
import type { ActorSystem } from '../system.js';
import type { ActionName, ActionRequest, ActionResult, ObserverMesh } from './api.js';
import type { ObserverMetrics } from './metrics.js';
import type { ObserverModel } from './model.js';
import type { SseHub } from './sse.js';
import { readAsset } from './static.js';
import type { TreeIndex } from './tree.js';

/**
 * The observer's HTTP routes (node:http, no framework), exactly as src/observer/api.ts lists
 * them. Every route answers JSON errors `{ "error": "..." }` naming what was wrong.
 *
 * Security: loopback by default (the caller binds); when bound to loopback, requests whose
 * Host header names another host are refused (a web page on another site could otherwise
 * read the observer through DNS rebinding). Actions need `Authorization: Bearer TOKEN`,
 * compared in constant time; a read-only observer (no token) refuses every action. Each
 * action performed or refused is an `observer-action` event on system.events$.
 */

const ACTIONS: ReadonlySet<string> = new Set<ActionName>(['heal', 'freeze', 'thaw']);
/** Largest action body read. */
const MAX_BODY_BYTES = 16 * 1024;
/** Longest search query accepted. */
const MAX_QUERY_LENGTH = 200;

/** What the routes need. */
export interface ObserverRoutesOptions {
  readonly system: ActorSystem;
  readonly model: ObserverModel;
  readonly tree: TreeIndex;
  readonly metrics: ObserverMetrics;
  readonly hub: SseHub;
  readonly assetsDir: string;
  readonly mesh: ObserverMesh | undefined;
  readonly token: string | undefined;
  /** Host names a request may name in its Host header; null: any (not bound to loopback). */
  readonly allowedHosts: ReadonlySet<string> | null;
}

/** The `observer-action` event: an action performed, refused or failed. */
// A type alias, not an interface: only an alias is assignable to RuntimeEvent's index signature.
export type ObserverActionEvent = {
  readonly type: 'observer-action';
  readonly timestamp: number;
  /** The path the action named ('/' when none, or when it was refused before the body was read). */
  readonly path: string;
  readonly action: string;
  readonly outcome: 'performed' | 'refused' | 'failed';
  /** The HTTP status answered. */
  readonly status: number;
  readonly text: string;
  readonly remote: string;
};

/** The request handler for `http.createServer`. Never throws: an unexpected error is a 500. */
export function observerRoutes(options: ObserverRoutesOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const tokenDigest = options.token === undefined ? null : digest(options.token);
  return (req, res) => {
    route(options, tokenDigest, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: `observer: ${describeError(error)}` });
      else res.destroy();
    });
  };
}

async function route(options: ObserverRoutesOptions, tokenDigest: Buffer | null, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (options.allowedHosts !== null) {
    const host = hostName(req.headers.host);
    if (host === null || !options.allowedHosts.has(host)) {
      sendJson(res, 403, { error: `Host header '${req.headers.host ?? ''}' is not this observer's loopback address` });
      return;
    }
  }
  const url = new URL(req.url ?? '/', 'http://observer.invalid');
  const pathname = url.pathname;
  const method = req.method ?? 'GET';

  if (pathname === '/api/action') {
    if (method !== 'POST') return methodNotAllowed(res, 'POST');
    return action(options, tokenDigest, req, res);
  }
  if (method !== 'GET') return methodNotAllowed(res, 'GET');

  switch (pathname) {
    case '/':
    case '/index.html':
      return asset(options.assetsDir, 'index.html', res);
    case '/api/snapshot':
      return sendJson(res, 200, options.model.snapshot());
    case '/api/tree': {
      const path = url.searchParams.get('path') ?? '/';
      const limitText = url.searchParams.get('limit');
      const limit = limitText === null ? undefined : Number(limitText);
      if (!path.startsWith('/')) return sendJson(res, 400, { error: `tree path must start with '/' (got '${path}')` });
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 0 || limit > 100_000)) {
        return sendJson(res, 400, { error: `tree limit must be an integer 0..100000 (got '${limitText}')` });
      }
      const level = options.tree.level(path, limit);
      if (level === undefined) return sendJson(res, 404, { error: `no live actor at '${path}'` });
      return sendJson(res, 200, level);
    }
    case '/api/search': {
      const query = url.searchParams.get('q');
      if (query === null) return sendJson(res, 400, { error: "search needs a query parameter 'q'" });
      if (query.length > MAX_QUERY_LENGTH) return sendJson(res, 400, { error: `search query longer than ${MAX_QUERY_LENGTH} characters` });
      return sendJson(res, 200, options.tree.search(query));
    }
    case '/events':
      return options.hub.connect(res);
    case '/metrics': {
      const text = await options.metrics.text();
      res.writeHead(200, { 'Content-Type': options.metrics.contentType, 'Cache-Control': 'no-store' });
      res.end(text);
      return;
    }
  }
  if (pathname.startsWith('/assets/')) {
    // The raw (still encoded) path: URL parsing has already removed plain '..' segments,
    // and decoding here is what lets readAsset see an encoded '..%2f'.
    const raw = (req.url ?? '').split('?')[0]!;
    return asset(options.assetsDir, raw.slice(raw.indexOf('/assets/') + '/assets/'.length), res);
  }
  sendJson(res, 404, { error: `no route ${method} ${pathname}` });
}

async function asset(dir: string, name: string, res: ServerResponse): Promise<void> {
  const result = await readAsset(dir, name);
  if (result.status !== 200) return sendJson(res, result.status, { error: result.error });
  res.writeHead(200, { 'Content-Type': result.contentType, 'Content-Length': result.body.length, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
  res.end(result.body);
}

/** POST /api/action: token first (the body of an unauthorised request is never read), then the request, then the mesh. */
async function action(options: ObserverRoutesOptions, tokenDigest: Buffer | null, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const remote = req.socket.remoteAddress ?? '?';
  const refuse = (status: number, error: string, action = 'unknown', path = '/'): void => {
    publishAction(options.system, { action, path, outcome: 'refused', status, text: error, remote });
    const headers = status === 401 ? { 'WWW-Authenticate': 'Bearer realm="actormesh observer"' } : undefined;
    sendJson(res, status, { error }, headers);
  };
  if (tokenDigest === null) return refuse(403, 'this observer is read-only (started without a token)');
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (match === null) return refuse(401, "actions need the header 'Authorization: Bearer TOKEN'");
  if (!timingSafeEqual(digest(match[1]!), tokenDigest)) return refuse(403, 'wrong token');

  let request: ActionRequest;
  try {
    request = parseActionRequest(await readBody(req));
  } catch (error) {
    return refuse(400, describeError(error));
  }
  const path = request.path ?? '/';
  const mesh = options.mesh;
  if (mesh === undefined) return refuse(400, 'no mesh attached', request.action, path);
  let result: ActionResult;
  try {
    result = await mesh.act(request);
  } catch (error) {
    const text = `${request.action} failed: ${describeError(error)}`;
    publishAction(options.system, { action: request.action, path, outcome: 'failed', status: 500, text, remote });
    return sendJson(res, 500, { error: text });
  }
  publishAction(options.system, { action: request.action, path: result.path ?? path, outcome: result.ok ? 'performed' : 'failed', status: 200, text: result.text, remote });
  sendJson(res, 200, result);
}

/** Checks an action body: `{ action: 'heal' | 'freeze' | 'thaw', path?: '/...' }`. */
export function parseActionRequest(body: string): ActionRequest {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new TypeError('action body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('action body must be a JSON object');
  const { action, path } = value as Record<string, unknown>;
  if (typeof action !== 'string' || !ACTIONS.has(action)) throw new TypeError(`action must be one of ${[...ACTIONS].join(', ')} (got ${JSON.stringify(action) ?? 'nothing'})`);
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/') || path.length > 1000)) {
    throw new TypeError(`action path must be an absolute actor path starting with '/' (got ${JSON.stringify(path)})`);
  }
  return path === undefined ? { action: action as ActionName } : { action: action as ActionName, path };
}

function publishAction(system: ActorSystem, fields: Omit<ObserverActionEvent, 'type' | 'timestamp'>): void {
  const event: ObserverActionEvent = { type: 'observer-action', timestamp: Date.now(), ...fields };
  system.publish(event);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new TypeError(`action body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The host name of a Host header ('127.0.0.1:8080' -> '127.0.0.1', '[::1]:80' -> '::1'), lower case. */
function hostName(header: string | undefined): string | null {
  if (header === undefined || header.length === 0) return null;
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (bracket !== null) return bracket[1]!.toLowerCase();
  return header.replace(/:\d+$/, '').toLowerCase();
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendJson(res, 405, { error: `method not allowed (use ${allow})` }, { Allow: allow });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
