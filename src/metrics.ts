import { Observable, share } from 'rxjs';
import type { ActorCell } from './actor-cell.js';
import type { MetricsSample } from './events.js';

/** What the sampler reads. */
interface Sampled {
  readonly actorCount: number;
  readonly processed: number;
  readonly deadLetterCount: number;
  forEachCell(visit: (cell: ActorCell<unknown>) => void): void;
}

const DEEPEST = 5;

/**
 * `system.metrics$`: one sample per interval while at least one subscriber listens (the
 * timer starts with the first subscription and stops with the last, so an unobserved
 * system pays nothing). A sample walks the tree once to sum mailbox depths.
 */
export function metricsStream(system: Sampled, intervalMs: number): Observable<MetricsSample> {
  return new Observable<MetricsSample>((subscriber) => {
    let lastProcessed = system.processed;
    let lastTime = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      let queued = 0;
      const deepest: Array<{ path: string; depth: number }> = [];
      system.forEachCell((cell) => {
        const depth = cell.size;
        queued += depth;
        if (depth === 0) return;
        if (deepest.length < DEEPEST || depth > deepest[deepest.length - 1]!.depth) {
          deepest.push({ path: cell.path, depth });
          deepest.sort((a, b) => b.depth - a.depth);
          if (deepest.length > DEEPEST) deepest.pop();
        }
      });
      const processed = system.processed;
      subscriber.next({
        timestamp: Date.now(),
        actors: system.actorCount,
        processed,
        processedPerSecond: ((processed - lastProcessed) * 1000) / Math.max(1e-3, now - lastTime),
        deadLetters: system.deadLetterCount,
        queued,
        deepest,
      });
      lastProcessed = processed;
      lastTime = now;
    }, intervalMs);
    return () => clearInterval(timer);
  }).pipe(share());
}
