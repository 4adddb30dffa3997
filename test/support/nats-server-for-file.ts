import { startNatsServer } from './nats-server.js';
import type { NatsServer } from './nats-server.js';

/**
 * One nats-server for the calling test file: started in a `before` hook (fails loudly when the
 * binary is missing), stopped in `after`. Returns the accessor for the running server.
 */
export function natsServerForFile(): () => NatsServer {
  let server: NatsServer | undefined;
  before(async function () {
    this.timeout(15_000);
    server = await startNatsServer();
  });
  after(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('natsServerForFile: the server is not running (used outside the file\'s tests?)');
    return server;
  };
}
