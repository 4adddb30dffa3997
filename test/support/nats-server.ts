/**
 * A test fixture that runs its own `nats-server` with JetStream on a free loopback port and a
 * temporary store directory (issues 5 and 6). It never skips: when the binary is missing the
 * test fails with the install command, so a machine without NATS is noticed, not silently
 * untested.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A running nats-server; `stop()` ends it and removes its store directory. */
export interface NatsServer {
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  stop(): Promise<void>;
  /** Ends the server process (SIGTERM) but keeps its port and store directory, for an outage. */
  halt(): Promise<void>;
  /** Starts the server again on the same port and store directory (after `halt()`); resolves once it is ready. */
  resume(): Promise<void>;
  /** `halt()` then `resume()`: a server restart. */
  restart(): Promise<void>;
}

/** Thrown when no nats-server binary is found: says how to install it. */
export class NatsServerMissingError extends Error {
  override readonly name = 'NatsServerMissingError';
}

/**
 * The nats-server binary: $NATS_SERVER, then PATH, then `fallbacks` (the Debian package's
 * /usr/sbin/nats-server, which is not on a normal user's PATH). Throws NatsServerMissingError
 * with the install command when none is executable.
 */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env, fallbacks: readonly string[] = ['/usr/sbin/nats-server', '/usr/bin/nats-server']): string {
  const candidates = [
    ...(env['NATS_SERVER'] ? [env['NATS_SERVER']] : []),
    ...(env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'nats-server')),
    ...fallbacks,
  ];
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here: try the next
    }
  }
  throw new NatsServerMissingError(
    `nats-server not found (looked at $NATS_SERVER, PATH and /usr/sbin/nats-server). Install it: ` +
      `on Debian/Ubuntu \`apt-get install nats-server\`, elsewhere https://docs.nats.io/running-a-nats-service/introduction/installation, ` +
      `or set NATS_SERVER to the binary. The JetStream tests need a real server and do not skip.`,
  );
}

/** A free TCP port on 127.0.0.1 (the OS picks it; closed again before nats-server binds it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts nats-server with JetStream (`-js -sd DIR -a 127.0.0.1 -p PORT`) and resolves once it
 * accepts TCP connections (within `timeoutMs`, default 10 s), else kills it and rejects with
 * its output.
 */
export async function startNatsServer(options: { timeoutMs?: number; /** Extra arguments, e.g. `['--user', 'u', '--pass', 'p']`. */ args?: readonly string[] } = {}): Promise<NatsServer> {
  const binary = findNatsServer();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const storeDir = await mkdtemp(join(tmpdir(), 'actormesh-nats-'));
  const port = await freePort();
  const args = ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', String(port), ...(options.args ?? [])];
  let child: ChildProcess | undefined;

  const halt = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running !== undefined && running.exitCode === null && running.signalCode === null) {
      running.kill('SIGTERM');
      const killTimer = setTimeout(() => running.kill('SIGKILL'), 3_000);
      await exited(running);
      clearTimeout(killTimer);
    }
  };
  const stop = async (): Promise<void> => {
    await halt();
    await rm(storeDir, { recursive: true, force: true });
  };
  const resume = async (): Promise<void> => {
    if (child !== undefined) throw new Error(`nats-server on port ${port} is already running`);
    try {
      child = await launch(binary, args, port, timeoutMs);
    } catch (error) {
      await rm(storeDir, { recursive: true, force: true });
      throw error;
    }
  };

  await resume();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop,
    halt,
    resume,
    async restart() {
      await halt();
      await resume();
    },
  };
}

/**
 * Spawns nats-server with `args` and resolves with the process once it is ready on `port`
 * (within `timeoutMs`), else kills it and rejects with its output.
 */
async function launch(binary: string, args: readonly string[], port: number, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));

  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError !== undefined || child.exitCode !== null) {
      await kill();
      throw new Error(`nats-server (${binary}) did not start on port ${port}: ${spawnError?.message ?? `exit code ${child.exitCode}`}\n${output}`);
    }
    // "Server is ready" is logged after JetStream is up; the TCP accept alone may come first.
    if (/Server is ready/.test(output) && (await canConnect(port))) return child;
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`nats-server (${binary}) did not accept connections on port ${port} within ${timeoutMs} ms\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

