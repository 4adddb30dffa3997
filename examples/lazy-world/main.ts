/**
 * Lazy-world demo (issue 7): a generated estate of 100,000+ entities explored by a few agents
 * through a realizer. Agents move, scan hosts, probe services and take credentials from
 * stores; the realizer keeps a live entity actor only within their hot radius, answers the
 * warm band from the world, and leaves the rest cold. Prints, per step, the live entity actors
 * (and the bound: the union of the hot balls), the warm entities, and the promotions and
 * passivations so far; at the end, the world's size against the peak live set.
 *
 *   node --import tsx examples/lazy-world/main.ts [--entities N] [--steps N] [--seed N] [--agents N]
 *                                                 [--hot R] [--warm R] [--store graph|compact]
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ActorSystem } from '../../src/index.js';
import { generateEstate } from './estate.js';
import { RealizedExploration } from './realized.js';

function integer(name: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min} (got '${value}')`);
    return n;
  };
}

const options = new Command('lazy-world')
  .description('explore a generated estate through a realizer and print the live set over time')
  .option('--entities <n>', 'entities to generate', integer('--entities', 2_000), 100_000)
  .option('--steps <n>', 'exploration steps', integer('--steps', 1), 60)
  .option('--seed <n>', 'seed of the estate and the walk', integer('--seed', 0), 1)
  .option('--agents <n>', 'agents', integer('--agents', 1), 4)
  .option('--hot <r>', 'hot radius: live entity actors within it', integer('--hot', 0), 1)
  .option('--warm <r>', 'warm radius (sight): answered from the world within it; >= --hot', integer('--warm', 0), 2)
  .addOption(new Option('--store <store>', 'where the world lives').choices(['graph', 'compact']).default('compact'))
  .parse()
  .opts<{ entities: number; steps: number; seed: number; agents: number; hot: number; warm: number; store: 'graph' | 'compact' }>();

if (options.warm < options.hot) {
  console.error(`lazy-world: --warm (${options.warm}) must be >= --hot (${options.hot})`);
  process.exit(2);
}

const started = performance.now();
const estate = options.store === 'compact' ? generateEstate({ entities: options.entities, seed: options.seed, agents: options.agents, store: 'compact' }) : generateEstate({ entities: options.entities, seed: options.seed, agents: options.agents });
const built = performance.now();
const total = estate.graph.entityCount;
console.log(
  `estate: ${total.toLocaleString('en-US')} entities, ${estate.graph.edgeCount.toLocaleString('en-US')} edges, ${estate.segments} segments, ` +
    `${estate.agents.length} agents (seed ${options.seed}, ${options.store} store, built in ${((built - started) / 1000).toFixed(1)} s)`,
);

const system = ActorSystem.create({ name: 'lazy-world', logLevel: 'warn' });
const exploration = new RealizedExploration(system, estate.graph, estate.agents, { hotRadius: options.hot, warmRadius: options.warm, seed: options.seed });
let stats = await exploration.stats();
let peak = stats.hot;
console.log(`step   0: live ${stats.hot} (bound ${stats.hotBound}), warm ${stats.warm}`);
for (let step = 1; step <= options.steps; step++) {
  const result = await exploration.step();
  stats = result.stats;
  peak = Math.max(peak, stats.hot);
  const gains = Object.entries(result.gained).map(([agent, names]) => `${agent} +${names.join(',')}`);
  console.log(
    `step ${String(step).padStart(3)}: live ${stats.hot} (bound ${stats.hotBound}), warm ${stats.warm}, ` +
      `promoted ${stats.promotions}, passivated ${stats.passivations}${gains.length > 0 ? `  (gained: ${gains.join('; ')})` : ''}`,
  );
}
console.log(
  `total entities ${total.toLocaleString('en-US')}, peak live entity actors ${peak.toLocaleString('en-US')} (${((peak / total) * 100).toFixed(3)}%), ` +
    `hot radius ${options.hot}, warm ${options.warm}; ${stats.hotActions} actions answered by entity actors, ${stats.warmActions} from the world; ` +
    `${((performance.now() - started) / 1000).toFixed(1)} s in all`,
);
await system.terminate();
