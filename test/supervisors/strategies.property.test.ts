import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ActorSystem, oneForOneStrategy } from '../../src/index.js';
import type { ActorContext, RuntimeEvent, SupervisorDecisionEvent } from '../../src/index.js';
import { ManualClock } from '../../supervisors/clock.js';
import { RestartIntensityExceededError } from '../../supervisors/errors.js';
import { strategyOf } from '../../supervisors/strategies.js';
import type { StrategyKind } from '../../supervisors/strategies.js';
import { settle } from '../support/helpers.js';

/**
 * For random small trees, strategies and kill sequences, the supervision layer does exactly
 * what OTP says, and the events say exactly that. A model runs beside the real tree:
 *
 *   a child fails -> its supervisor's strategy:
 *     temporary child            stop it (no restart counted)
 *     restarts so far >= max     give up: stop the child, escalate (the supervisor fails
 *                                with RestartIntensityExceededError; its count starts over)
 *     otherwise                  count one restart; restart the child (one-for-one), every
 *                                live child (one-for-all), or it and the live children
 *                                spawned after it (rest-for-one)
 *   a restarted supervisor's children are spawned anew by its setup (fresh actors);
 *   the supervisor keeps its own restart count (same actor, same strategy state).
 *   the top node's failure goes to the /user guardian: restart, or stop on an escalation.
 * Kills are throws, one at a time, each followed by quiescence. withinMs is generous and
 * the clock is manual, so every restart counts against the intensity.
 */

interface Spec {
  readonly kind: StrategyKind;
  readonly maxRestarts: number;
  readonly restart: 'permanent' | 'temporary';
  readonly children: readonly Spec[];
}

const specArb: (levels: number) => fc.Arbitrary<Spec> = fc.memo((levels: number): fc.Arbitrary<Spec> =>
  fc.record({
    kind: fc.constantFrom<StrategyKind>('one-for-one', 'one-for-all', 'rest-for-one'),
    maxRestarts: fc.integer({ min: 1, max: 5 }),
    restart: fc.constantFrom<'permanent' | 'temporary'>('permanent', 'permanent', 'permanent', 'temporary'),
    children: levels <= 1 ? fc.constant([]) : fc.array(specArb(levels - 1), { maxLength: 4 }),
  }),
);

/** Depth <= 3 below the top node; fan-out <= 4. */
const treeArb = specArb(4).map((spec) => ({ ...spec, restart: 'permanent' as const }));

class ModelNode {
  alive = true;
  /** Restarts counted by this node's strategy (its intensity window). */
  window = 0;
  children: ModelNode[];

  constructor(
    readonly spec: Spec,
    readonly path: string,
    readonly parent: ModelNode | null,
  ) {
    this.children = spec.children.map((child, i) => new ModelNode(child, `${path}/n${i}`, this));
  }
}

class Model {
  readonly top: ModelNode;
  readonly restarts = new Map<string, number>();
  readonly decisions: string[] = [];

  constructor(spec: Spec) {
    this.top = new ModelNode(spec, '/user/top', null);
  }

  alive(): ModelNode[] {
    const out: ModelNode[] = [];
    const visit = (node: ModelNode): void => {
      if (!node.alive) return;
      out.push(node);
      node.children.forEach(visit);
    };
    visit(this.top);
    return out;
  }

  fail(node: ModelNode, escalated: boolean): void {
    const parent = node.parent;
    if (parent === null) {
      if (escalated) {
        this.decisions.push(`/user stop ${node.path}`);
        this.stop(node);
      } else {
        this.decisions.push(`/user restart ${node.path}`);
        this.restart(node);
      }
      return;
    }
    if (node.spec.restart === 'temporary') {
      this.decisions.push(`${parent.path} stop ${node.path}`);
      this.stop(node);
      return;
    }
    if (parent.window >= parent.spec.maxRestarts) {
      parent.window = 0;
      this.decisions.push(`${parent.path} stop ${node.path}`);
      this.stop(node);
      this.decisions.push(`${parent.path} escalate ${node.path}`);
      this.fail(parent, true);
      return;
    }
    parent.window++;
    const siblings = parent.children;
    const index = siblings.indexOf(node);
    const targets = parent.spec.kind === 'one-for-one' ? [node] : parent.spec.kind === 'one-for-all' ? [...siblings] : siblings.slice(index);
    for (const target of targets) {
      this.decisions.push(`${parent.path} restart ${target.path}`);
      this.restart(target);
    }
  }

  private restart(node: ModelNode): void {
    this.restarts.set(node.path, (this.restarts.get(node.path) ?? 0) + 1);
    for (const child of node.children) this.kill(child);
    node.children = node.spec.children.map((child, i) => new ModelNode(child, `${node.path}/n${i}`, node));
  }

  private stop(node: ModelNode): void {
    this.kill(node);
    if (node.parent !== null) node.parent.children = node.parent.children.filter((c) => c !== node);
  }

  private kill(node: ModelNode): void {
    node.alive = false;
    node.children.forEach((c) => this.kill(c));
  }
}

/** Waits until no event has been published for a few event-loop turns. */
async function quiesce(events: readonly RuntimeEvent[]): Promise<void> {
  let seen = -1;
  let still = 0;
  while (still < 3) {
    await settle(3);
    if (events.length === seen) still++;
    else {
      seen = events.length;
      still = 0;
    }
  }
}

describe('property: supervision strategies (one-for-one, one-for-all, rest-for-one) with restart intensity', () => {
  it('after random kills in random trees, the live tree and every restart, stop and escalation match the OTP model', async function () {
    this.timeout(120_000);
    await fc.assert(
      fc.asyncProperty(treeArb, fc.array(fc.nat(), { maxLength: 16 }), async (spec, kills) => {
        const clock = new ManualClock();
        const system = ActorSystem.create({
          logLevel: 'silent',
          // the top node: restarted when it fails, stopped when it gives up (escalates)
          guardianSupervision: oneForOneStrategy((error) => (error instanceof RestartIntensityExceededError ? 'stop' : 'restart')),
        });
        const events: RuntimeEvent[] = [];
        system.events$.subscribe((e) => events.push(e));
        const node = (ctx: ActorContext<string>, self: Spec) => {
          self.children.forEach((child, i) =>
            ctx.spawn(node, {
              name: `n${i}`,
              props: child,
              supervision: strategyOf(child.kind, { maxRestarts: child.maxRestarts, withinMs: 60_000, clock }),
              tags: { restart: child.restart },
            }),
          );
          return (message: string) => {
            if (message === 'boom') throw new Error(`boom in ${ctx.path}`);
          };
        };
        try {
          system.spawn(node, { name: 'top', props: spec, supervision: strategyOf(spec.kind, { maxRestarts: spec.maxRestarts, withinMs: 60_000, clock }) });
          await quiesce(events);
          const model = new Model(spec);
          const startedBefore = events.length;
          let sent = 0;
          for (const pick of kills) {
            const alive = model.alive();
            if (alive.length === 0) break;
            const victim = alive[pick % alive.length]!;
            const ref = system.lookup(victim.path);
            assert.ok(ref, `model says ${victim.path} is alive`);
            ref.tell('boom');
            sent++;
            model.fail(victim, false);
            await quiesce(events);
          }
          const during = events.slice(startedBefore);

          // the live tree is the model's, and nothing more
          const alive = model.alive();
          for (const n of alive) assert.ok(system.lookup(n.path), `${n.path} should be alive`);
          assert.equal(system.actorTotal, 3 + alive.length, 'live actors: /, /user, /system and the model tree');

          // every permanent child of a live supervisor is alive (a supervisor that gave up on one escalated and was restarted or stopped)
          for (const n of alive) {
            n.spec.children.forEach((child, i) => {
              if (child.restart === 'permanent') assert.ok(system.lookup(`${n.path}/n${i}`), `permanent ${n.path}/n${i} of live ${n.path}`);
            });
          }

          // one actor-restarted event per restart, per actor
          const restarted = new Map<string, number>();
          for (const e of during) if (e.type === 'actor-restarted') restarted.set(e.path, (restarted.get(e.path) ?? 0) + 1);
          assert.deepEqual(new Map([...restarted].sort()), new Map([...model.restarts].sort()));

          // every decision (restart, stop, escalate), by supervisor and child
          const decisions = during
            .filter((e): e is SupervisorDecisionEvent => e.type === 'supervisor-decision')
            .map((e) => `${e.path} ${e.directive} ${e.child}`)
            .sort();
          assert.deepEqual(decisions, [...model.decisions].sort());

          // every failure is an actor-failed event: the kills, and each escalating supervisor
          const failed = during.filter((e) => e.type === 'actor-failed').length;
          const escalations = model.decisions.filter((d) => d.includes(' escalate ')).length;
          assert.equal(failed, sent + escalations);
        } finally {
          await system.terminate();
        }
      }),
      { numRuns: 100 },
    );
  });
});
