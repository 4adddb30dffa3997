/**
 * A plain node:http service whose routes ask actors.
 *
 *   GET  /health                   200 { status, actors, inFlight }
 *   POST /counters/:name/increment body { "by"?: integer } (default 1); spawns the counter on first use
 *   GET  /counters/:name           200 { name, value }, 404 for a counter never incremented
 *   POST /jobs                     body { "delayMs"?: 0..60000, "fail"?: boolean }
 *                                  200 { incarnation, tookMs }; 504 when the ask times out;
 *                                  500 when the worker fails (it is restarted for the next job)
 *
 * Every error is JSON: { "error": <kind>, "message": <text> }. Kernel errors keep their
 * class name as the kind (InvalidActorNameError, AskTimeoutError, AskFailedError ...).
 *
 * `close()` is the graceful shutdown: stop accepting connections, let in-flight requests
 * finish (responses then carry `Connection: close`), cut off whatever is still open after
 * `drainTimeoutMs`, and only then terminate the actor system, which runs every postStop.
 * Draining first matters: `system.terminate()` rejects pending asks, so terminating first
 * would turn every in-flight request into an error.
 */
import http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ActorSystem,
  ActorTerminatedError,
  AskFailedError,
  AskTimeoutError,
  MailboxFullError,
  SystemTerminatedError,
  describeError,
} from '../../src/index.js';
import type { ActorRef, ActorSystemOptions } from '../../src/index.js';
import { Lifecycle, counterRegistry, worker } from './actors.js';
import type { CounterReply, JobRequest, JobResult, RegistryMessage } from './actors.js';

export interface ServiceOptions {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /**
   * The actor system to run the actors in. Default: a new one. The service owns it either
   * way: `close()` terminates it.
   */
  readonly system?: ActorSystem;
  /** Log level of the system the service creates (ignored with `system`). Default `info`. */
  readonly logLevel?: ActorSystemOptions['logLevel'];
  /** Timeout of every ask a route makes, in ms. Default 1000. */
  readonly askTimeoutMs?: number;
  /** How long `close()` waits for in-flight requests before cutting them off, in ms. Default 10000. */
  readonly drainTimeoutMs?: number;
  /** Largest request body accepted, in bytes. Default 16 KiB. */
  readonly maxBodyBytes?: number;
}

export interface Service {
  readonly server: Server;
  readonly system: ActorSystem;
  /** Base URL, such as http://127.0.0.1:3000 */
  readonly url: string;
  readonly port: number;
  /** Incarnations of the service's actors (see actors.ts). */
  readonly lifecycle: Lifecycle;
  /** Requests received and not yet answered. */
  readonly inFlight: number;
  /** True once `close()` has been called. */
  readonly closing: boolean;
  /** Graceful shutdown; calling it again returns the same promise. */
  close(): Promise<void>;
}

/** An error with its HTTP status and the `error` kind of the JSON body. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly kind: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

type Handler = (req: IncomingMessage, params: readonly string[]) => Promise<Reply>;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handler: Handler;
}

const MAX_JOB_DELAY_MS = 60_000;

/** Starts the service; resolves once it listens. */
export async function createService(options: ServiceOptions = {}): Promise<Service> {
  const askTimeoutMs = options.askTimeoutMs ?? 1000;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024;
  const host = options.host ?? '127.0.0.1';
  const system = options.system ?? ActorSystem.create({ name: 'embed-http', logLevel: options.logLevel ?? 'info' });
  const lifecycle = new Lifecycle();
  let inFlight = 0;
  let closing = false;
  let closed: Promise<void> | null = null;

  const counters: ActorRef<RegistryMessage> = system.spawn(counterRegistry, { name: 'counters', props: { lifecycle } });
  const jobs: ActorRef<JobRequest> = system.spawn(worker, { name: 'worker', props: { lifecycle } });

  // ---------------------------------------------------------------- routes

  const counterReply = (reply: CounterReply): Reply => {
    switch (reply.type) {
      case 'count':
        return { status: 200, body: { name: reply.name, value: reply.value } };
      case 'no-such-counter':
        throw new HttpError(404, 'NoSuchCounter', `no counter named '${reply.name}' (increment it first)`);
      case 'invalid-name':
        throw new HttpError(400, 'InvalidActorNameError', reply.message);
    }
  };

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/health$/,
      handler: async () => ({
        status: 200,
        // inFlight: requests other than this one.
        body: { status: 'ok', system: system.name, actors: system.actorTotal, inFlight: inFlight - 1 },
      }),
    },
    {
      method: 'POST',
      pattern: /^\/counters\/([^/]+)\/increment$/,
      handler: async (req, [rawName]) => {
        const name = decodeSegment(rawName!);
        const body = await readJson(req, maxBodyBytes);
        const by = field(body, 'by', 1, (v): v is number => Number.isSafeInteger(v), 'an integer');
        const reply = await counters.ask<CounterReply>((replyTo) => ({ type: 'increment', name, by, replyTo }), { timeoutMs: askTimeoutMs });
        return counterReply(reply);
      },
    },
    {
      method: 'GET',
      pattern: /^\/counters\/([^/]+)$/,
      handler: async (_req, [rawName]) => {
        const name = decodeSegment(rawName!);
        const reply = await counters.ask<CounterReply>((replyTo) => ({ type: 'get', name, replyTo }), { timeoutMs: askTimeoutMs });
        return counterReply(reply);
      },
    },
    {
      method: 'POST',
      pattern: /^\/jobs$/,
      handler: async (req) => {
        const body = await readJson(req, maxBodyBytes);
        const delayMs = field(body, 'delayMs', 0, (v): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_JOB_DELAY_MS, `an integer from 0 to ${MAX_JOB_DELAY_MS}`);
        const fail = field(body, 'fail', false, (v): v is boolean => typeof v === 'boolean', 'a boolean');
        const result = await jobs.ask<JobResult>((replyTo) => ({ type: 'job', delayMs, fail, replyTo }), { timeoutMs: askTimeoutMs });
        return { status: 200, body: { incarnation: result.incarnation, tookMs: result.tookMs } };
      },
    },
  ];

  // ---------------------------------------------------------------- server

  const send = (res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void => {
    if (res.headersSent || res.destroyed) return;
    const payload = JSON.stringify(body) + '\n';
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(payload)),
      // While draining, each answered connection is closed instead of kept alive.
      ...(closing ? { connection: 'close' } : {}),
      ...headers,
    });
    res.end(payload);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const { pathname } = new URL(req.url ?? '/', 'http://service.invalid');
      const matching = routes.filter((route) => route.pattern.test(pathname));
      if (matching.length === 0) throw new HttpError(404, 'NotFound', `no route for ${req.method} ${pathname}`);
      const route = matching.find((r) => r.method === req.method);
      if (route === undefined) {
        const allow = matching.map((r) => r.method).join(', ');
        throw new HttpError(405, 'MethodNotAllowed', `${req.method} is not allowed on ${pathname} (allowed: ${allow})`, { allow });
      }
      const reply = await route.handler(req, route.pattern.exec(pathname)!.slice(1));
      send(res, reply.status, reply.body);
    } catch (error) {
      const { status, kind, message, headers } = toHttpError(error);
      if (status >= 500) system.log.warn({ err: error, method: req.method, url: req.url, status }, 'request failed');
      send(res, status, { error: kind, message }, headers);
    }
  };

  const server = http.createServer((req, res) => {
    inFlight++;
    res.once('close', () => inFlight--);
    void handle(req, res);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await system.terminate('embed-http service failed to listen', error);
    throw error;
  }

  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;

  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      // Stop listening: new connections are refused. server.close() also closes the idle
      // keep-alive connections, but not one that becomes idle later: that is what the
      // `Connection: close` of every response sent from now on is for (without it the drain
      // would wait for keepAliveTimeout). The callback runs once the last connection ended.
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      const cutOff = setTimeout(() => {
        system.log.warn({ inFlight, drainTimeoutMs }, 'drain timeout: closing the remaining connections');
        server.closeAllConnections();
      }, drainTimeoutMs);
      await drained;
      clearTimeout(cutOff);
      // No request is in flight any more, so no ask is pending: now the actors may go.
      await system.terminate('embed-http service closed');
    })();
    return closed;
  };

  return {
    server,
    system,
    url: `http://${urlHost}:${port}`,
    port,
    lifecycle,
    get inFlight() {
      return inFlight;
    },
    get closing() {
      return closing;
    },
    close,
  };
}

// ------------------------------------------------------------------ helpers

/** Maps what a route threw to a status: HttpError as is, kernel ask errors by class. */
function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  // The actor did not answer in time (it may still be working on it).
  if (error instanceof AskTimeoutError) return new HttpError(504, error.name, error.message);
  // The actor threw while handling this very request; its supervisor restarts it.
  // (The message names the actor and the cause: fine for an example, maybe not for production.)
  if (error instanceof AskFailedError) return new HttpError(500, error.name, error.message);
  // Back-pressure and shutdown: try again later.
  if (error instanceof MailboxFullError || error instanceof ActorTerminatedError || error instanceof SystemTerminatedError) {
    return new HttpError(503, error.name, error.message, { 'retry-after': '1' });
  }
  return new HttpError(500, 'InternalError', 'internal error');
}

/** Decodes one path segment; malformed escapes are a 400. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'InvalidPath', `malformed percent-encoding in path segment '${segment}'`);
  }
}

/**
 * Reads the body as JSON: undefined for an empty body, an object otherwise. Oversized
 * bodies are read to the end (and dropped) so the 413 reaches the client.
 */
async function readJson(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  }
  if (size > maxBytes) throw new HttpError(413, 'PayloadTooLarge', `request body is ${size} bytes; the limit is ${maxBytes}`);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'InvalidJson', `request body is not valid JSON: ${describeError(error)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, 'InvalidBody', `request body must be a JSON object (got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)})`);
  }
  return value as Record<string, unknown>;
}

/** One optional body field, checked. */
function field<T>(body: Record<string, unknown> | undefined, name: string, fallback: T, valid: (value: unknown) => value is T, expected: string): T {
  const value = body?.[name];
  if (value === undefined) return fallback;
  if (!valid(value)) throw new HttpError(400, 'InvalidBody', `'${name}' must be ${expected} (got ${JSON.stringify(value)})`);
  return value;
}
