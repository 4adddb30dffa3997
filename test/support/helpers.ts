import { ActorSystem } from '../../src/index.js';
import type { ActorSystemOptions, RuntimeEvent } from '../../src/index.js';

/** A quiet system for tests; terminated by `afterEach` through `track`. */
export function quietSystem(options: ActorSystemOptions = {}): ActorSystem {
  const system = ActorSystem.create({ logLevel: 'silent', ...options });
  live.push(system);
  return system;
}

const live: ActorSystem[] = [];

/** Terminates every system a test made (mocha root hook style, called from each file). */
export async function terminateAll(): Promise<void> {
  const systems = live.splice(0);
  await Promise.all(systems.map((system) => system.terminate()));
}

/** Records every event of `system` from now on. */
export function recordEvents(system: ActorSystem): RuntimeEvent[] {
  const events: RuntimeEvent[] = [];
  system.events$.subscribe((event) => events.push(event));
  return events;
}

/** Lets the dispatcher and pending promises run until nothing is left for a few turns. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Waits until `check` returns true, or fails after `timeoutMs` saying what was awaited. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A promise with its resolve function, for actors to signal tests. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
