import type { ServerResponse } from 'node:http';
import type { ObserverModel } from './model.js';

/**
 * The `/events` stream (server-sent events): every `sampleMs` one `snapshot` event (the same
 * JSON for every client, made once per tick) and, when something happened, one `log` event
 * with the log lines since that client's last batch (at most LOG_BATCH_LIMIT, the newest).
 * Comment lines every `heartbeatMs` keep proxies from closing an idle stream. The timers run
 * only while a client is connected; a client that disconnects is dropped at once, and one
 * that cannot keep up (too much unsent) is cut off rather than buffered without end.
 */

/** Most log lines in one batch (the contract's limit). */
export const LOG_BATCH_LIMIT = 200;
/** Unsent bytes above which a client is considered stuck and disconnected. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

interface Client {
  readonly res: ServerResponse;
  lastSeq: number;
}

export class SseHub {
  private readonly clients = new Set<Client>();
  private sampleTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly model: ObserverModel,
    private readonly sampleMs: number,
    private readonly heartbeatMs: number,
  ) {}

  /** Clients connected now. */
  get size(): number {
    return this.clients.size;
  }

  /** Turns `res` into an event stream and sends the current snapshot and recent log at once. */
  connect(res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const client: Client = { res, lastSeq: 0 };
    this.clients.add(client);
    res.on('close', () => this.drop(client));
    this.send(client, 'snapshot', JSON.stringify(this.model.snapshot()));
    this.sendLog(client);
    if (this.sampleTimer === null) {
      this.sampleTimer = setInterval(() => this.tick(), this.sampleMs);
      this.heartbeatTimer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    }
  }

  /** Ends every stream and stops the timers. */
  close(): void {
    for (const client of [...this.clients]) {
      this.drop(client);
      client.res.end();
    }
  }

  private tick(): void {
    const snapshot = JSON.stringify(this.model.snapshot());
    for (const client of [...this.clients]) {
      this.send(client, 'snapshot', snapshot);
      this.sendLog(client);
    }
  }

  private heartbeat(): void {
    for (const client of [...this.clients]) this.write(client, `: heartbeat ${Date.now()}\n\n`);
  }

  private sendLog(client: Client): void {
    const entries = this.model.logSince(client.lastSeq, LOG_BATCH_LIMIT);
    client.lastSeq = this.model.lastSeq;
    if (entries.length > 0) this.send(client, 'log', JSON.stringify(entries));
  }

  private send(client: Client, event: string, json: string): void {
    // JSON.stringify never emits a raw newline, so the data fits on one `data:` line.
    this.write(client, `event: ${event}\ndata: ${json}\n\n`);
  }

  private write(client: Client, text: string): void {
    const res = client.res;
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      this.drop(client);
      res.destroy();
      return;
    }
    res.write(text);
  }

  private drop(client: Client): void {
    if (!this.clients.delete(client)) return;
    if (this.clients.size === 0) {
      if (this.sampleTimer !== null) clearInterval(this.sampleTimer);
      if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
      this.sampleTimer = null;
      this.heartbeatTimer = null;
    }
  }
}
