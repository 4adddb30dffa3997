/**
 * Lazy-world demo (issue 7): a generated estate of 100,000+ entities explored by a few agents;
 * prints, per step, the live-set size (the union of the agents' hot balls: what the realizer
 * would keep as live entity actors) and, at the end, the total entities against the peak.
 *
 *   node --import tsx examples/lazy-world/main.ts [--entities N] [--steps N] [--seed N] [--agents N] [--radius R]
 */
import { Command, InvalidArgumentError } from 'commander';
import { generateEstate } from './estate.js';
import { Explorer } from './explore.js';

function integer(name: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min} (got '${value}')`);
    return n;
  };
}

const options = new Command('lazy-world')
  .description('explore a generated estate and print the live-set size over time')
  .option('--entities <n>', 'entities to generate', integer('--entities', 2_000), 100_000)
  .option('--steps <n>', 'exploration steps', integer('--steps', 1), 60)
  .option('--seed <n>', 'seed of the estate and the walk', integer('--seed', 0), 1)
  .option('--agents <n>', 'agents', integer('--agents', 1), 4)
  .option('--radius <r>', 'hot radius', integer('--radius', 0), 3)
  .parse()
  .opts<{ entities: number; steps: number; seed: number; agents: number; radius: number }>();

const started = performance.now();
const estate = generateEstate({ entities: options.entities, seed: options.seed, agents: options.agents });
const built = performance.now();
console.log(
  `estate: ${estate.graph.entityCount.toLocaleString('en-US')} entities, ${estate.graph.edgeCount.toLocaleString('en-US')} edges, ` +
    `${estate.segments} segments, ${estate.agents.length} agents (seed ${options.seed}, built in ${((built - started) / 1000).toFixed(1)} s)`,
);
const explorer = new Explorer(estate.graph, estate.agents, options.radius, options.seed);
let peak = explorer.liveSet().size;
console.log(`step   0: live ${peak}`);
for (let step = 1; step <= options.steps; step++) {
  const actions = explorer.step();
  const live = explorer.liveSet().size;
  peak = Math.max(peak, live);
  const gains = actions.flatMap((a) => (a.kind === 'gain' ? [`agent-${a.agent} +${a.names.join(',')}`] : []));
  console.log(`step ${String(step).padStart(3)}: live ${live}${gains.length > 0 ? `  (gained: ${gains.join('; ')})` : ''}`);
}
const total = estate.graph.entityCount;
console.log(
  `total entities ${total.toLocaleString('en-US')}, peak live set ${peak.toLocaleString('en-US')} ` +
    `(${((peak / total) * 100).toFixed(2)}%), radius ${options.radius}, ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
);
