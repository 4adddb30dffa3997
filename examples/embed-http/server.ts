/**
 * Runnable entry of the embed-http example: `npm start`
 * (node --import tsx examples/embed-http/server.ts).
 *
 *   PORT       port to listen on (default 3000; 0 picks a free one)
 *   HOST       interface to listen on (default 127.0.0.1)
 *   LOG_LEVEL  pino level of the actor system (default info)
 *
 * Prints `embed-http listening on <url>`. On SIGTERM or SIGINT it shuts down gracefully
 * (see `close()` in service.ts) and exits with code 0 once nothing is left on the event
 * loop; a second signal exits at once with code 1.
 */
import type { ActorSystemOptions } from '../../src/index.js';
import { createService } from './service.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function portFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`PORT must be an integer from 0 to 65535 (got '${value}')`);
  return port;
}

function logLevelFromEnv(value: string | undefined): ActorSystemOptions['logLevel'] {
  if (value === undefined || value === '') return 'info';
  const level = LOG_LEVELS.find((l) => l === value);
  if (level === undefined) throw new TypeError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got '${value}')`);
  return level;
}

const service = await createService({
  port: portFromEnv(process.env.PORT),
  host: process.env.HOST || '127.0.0.1',
  logLevel: logLevelFromEnv(process.env.LOG_LEVEL),
});
console.log(`embed-http listening on ${service.url}`);

function shutdown(signal: NodeJS.Signals): void {
  if (service.closing) {
    console.error(`${signal} again: exiting without waiting`);
    process.exit(1);
  }
  console.log(`${signal}: draining ${service.inFlight} in-flight request(s), then stopping the actors`);
  service.close().then(
    () => {
      console.log('embed-http stopped');
      // No process.exit(): the process ends by itself once nothing holds the event loop,
      // which is the proof that the server and every actor timer are gone.
      process.exitCode = 0;
    },
    (error: unknown) => {
      console.error('shutdown failed', error);
      process.exit(1);
    },
  );
}

process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
