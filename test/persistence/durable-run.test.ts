import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { DurableRunError, loadRunTree, runDurable } from '../../src/persistence/durable-run.js';
import type { StepContext } from '../../src/persistence/durable-run.js';
import { MemoryJournal, MemoryJournalStore } from '../../src/persistence/memory-journal.js';
import type { RuntimeEvent } from '../../src/events.js';

class Crash extends Error {}

/** Counts calls per key. */
function counter(): { calls: Map<string, number>; hit(key: string): number } {
  const calls = new Map<string, number>();
  return { calls, hit: (key) => { const n = (calls.get(key) ?? 0) + 1; calls.set(key, n); return n; } };
}

describe('durable run loop (in process)', () => {
  it('a run that crashes in the middle resumes on the next call and does not redo committed steps', async () => {
    const store = new MemoryJournalStore();
    const { calls, hit } = counter();
    const seen: { key: string; idempotencyKey: string; resumed: boolean }[] = [];
    let crash = true;
    const run = async (ctx: StepContext) => {
      let sum = 0;
      for (let i = 0; i < 10; i++) {
        sum += await ctx.step(`s${i}`, (step) => {
          hit(step.key);
          seen.push({ key: step.key, idempotencyKey: step.idempotencyKey, resumed: step.resumed });
          if (i === 5 && crash) throw new Crash('boom');
          return i * 10;
        });
      }
      return sum;
    };
    await assert.rejects(runDurable({ journal: new MemoryJournal(store), runId: 'r1', run }), Crash);
    crash = false;
    const report = await runDurable({ journal: new MemoryJournal(store), runId: 'r1', run });
    assert.equal(report.result, 450);
    assert.equal(report.executed, 5);
    assert.equal(report.rehydrated, 5);
    assert.deepEqual(report.resumedKeys, ['s5']);
    for (let i = 0; i < 10; i++) assert.equal(calls.get(`s${i}`), i === 5 ? 2 : 1, `calls of s${i}`);
    // The retried step kept its idempotency key and knew it had been started before.
    const s5 = seen.filter((s) => s.key === 's5');
    assert.deepEqual(s5, [{ key: 's5', idempotencyKey: 'r1/s5', resumed: false }, { key: 's5', idempotencyKey: 'r1/s5', resumed: true }]);
    // A completed run answers from the journal.
    const again = await runDurable({ journal: new MemoryJournal(store), runId: 'r1', run });
    assert.equal(again.result, 450);
    assert.equal(again.alreadyCompleted, true);
    assert.equal(calls.get('s0'), 1);
  });

  it('rehydrates settled children from the journaled spawn tree and reruns only the pending ones', async () => {
    const store = new MemoryJournalStore();
    const { calls, hit } = counter();
    let failC2 = true;
    const run = async (ctx: StepContext) =>
      ctx.step('parent', async (parent) => {
        hit('parent');
        const children = await Promise.all([0, 1, 2, 3].map((c) => parent.step(`c${c}`, (child) => {
          hit(child.key);
          if (c === 2 && failC2) throw new Crash('child c2');
          return { c, key: child.idempotencyKey };
        })));
        return children.map((x) => x.c).join(',');
      });
    await assert.rejects(runDurable({ journal: new MemoryJournal(store), runId: 'tree', run }), Crash);
    const tree = await loadRunTree(new MemoryJournal(store), 'tree');
    assert.deepEqual([...tree.spawned], [['parent', ''], ['parent/c0', 'parent'], ['parent/c1', 'parent'], ['parent/c2', 'parent'], ['parent/c3', 'parent']]);
    assert.deepEqual([...tree.committed.keys()].sort(), ['parent/c0', 'parent/c1', 'parent/c3']);
    failC2 = false;
    const report = await runDurable({ journal: new MemoryJournal(store), runId: 'tree', run });
    assert.equal(report.result, '0,1,2,3');
    assert.deepEqual(report.resumedKeys, ['parent', 'parent/c2']);
    assert.equal(report.rehydrated, 3);
    assert.equal(report.executed, 2); // c2 and the parent
    assert.deepEqual(Object.fromEntries(calls), { parent: 2, 'parent/c0': 1, 'parent/c1': 1, 'parent/c2': 2, 'parent/c3': 1 });
    // Rehydrated results are the recorded ones (idempotency keys are full paths).
    const after = await loadRunTree(new MemoryJournal(store), 'tree');
    assert.deepEqual(after.committed.get('parent/c1'), { c: 1, key: 'tree/parent/c1' });
    assert.deepEqual(after.completed, { result: '0,1,2,3' });
  });

  it('runs the flat steps form in order, passing each step the previous result', async () => {
    const report = await runDurable({
      journal: new MemoryJournal(),
      runId: 'flat',
      steps: [
        { key: 'a', run: () => 1 },
        { key: 'b', run: (_s, prev) => (prev as number) + 1 },
        { key: 'c', run: (s, prev) => `${s.idempotencyKey}:${String(prev)}` },
      ],
    });
    assert.deepEqual(report.result, [1, 2, 'flat/c:2']);
  });

  it('publishes resumed, committed and completed events on the given sink', async () => {
    const store = new MemoryJournalStore();
    const events: RuntimeEvent[] = [];
    const sink = { publish: (e: RuntimeEvent) => events.push(e) };
    let fail = true;
    const run = async (ctx: StepContext) => {
      await ctx.step('a', () => 1);
      return ctx.step('b', () => { if (fail) throw new Crash('b'); return 2; });
    };
    await assert.rejects(runDurable({ journal: new MemoryJournal(store), runId: 'ev', run, system: sink }), Crash);
    fail = false;
    await runDurable({ journal: new MemoryJournal(store), runId: 'ev', run, system: sink });
    assert.deepEqual(events.map((e) => e.type), ['durable-step-committed', 'durable-run-failed', 'durable-run-resumed', 'durable-step-committed', 'durable-run-completed']);
    const resumed = events[2] as RuntimeEvent & { pending: string[]; committed: number };
    assert.deepEqual(resumed.pending, ['b']);
    assert.equal(resumed.committed, 1);
  });

  it('refuses bad input with errors naming the argument and the value', async () => {
    const journal = new MemoryJournal();
    await assert.rejects(runDurable({ journal, runId: '', run: () => 1 }), (e: Error) => e instanceof TypeError && /runId must be a non-empty string, got ""/.test(e.message));
    await assert.rejects(runDurable({ journal, runId: 'x' }), (e: Error) => e instanceof DurableRunError && /exactly one of options.run and options.steps.*neither/.test(e.message));
    await assert.rejects(runDurable({ journal, runId: 'x', run: (c) => c.step('a/b', () => 1) }), (e: Error) => e instanceof DurableRunError && /step key must be .*"a\/b"/.test(e.message));
    await assert.rejects(
      runDurable({ journal, runId: 'y', run: async (c) => { await c.step('a', () => 1); return c.step('a', () => 2); } }),
      (e: Error) => e instanceof DurableRunError && /step key 'a' used twice/.test(e.message),
    );
  });
});

const childScript = fileURLToPath(new URL('../fixtures/durable-run-child.ts', import.meta.url));
const STEPS = 1000;
/** At most this many steps execute per life: 1,000 / 19 > 52 lives, whatever the machine's speed. */
const CAP = 19;
const SEED = 0x5eed_0006;

interface Life { code: number | null; signal: NodeJS.Signals | null; output: string; killed: boolean }

/** Runs one life of the child; `kill` (when given) decides from its output lines when to SIGKILL it. */
function life(dir: string, ledger: string, killAfter?: { steps: number; jitterMs: number }): Promise<Life> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, join(dir, 'journal'), ledger, String(STEPS), String(killAfter ? CAP : STEPS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let started = 0;
    let killed = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      child.kill('SIGKILL');
    };
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString();
      output += text;
      if (killAfter === undefined || killed) return;
      for (const line of text.split('\n')) {
        if (line.startsWith('step ') && ++started === killAfter.steps) setTimeout(kill, killAfter.jitterMs);
        if (line === 'idle') kill();
      }
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, output, killed: killed && signal === 'SIGKILL' }));
  });
}

function checkLedger(text: string): void {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n !== 1);
  assert.deepEqual(twice, [], 'every effect applied exactly once');
  assert.equal(counts.size, STEPS);
  for (let i = 0; i < STEPS; i++) assert.ok(counts.has(`sigkill-run/s${i}`), `effect of step s${i}`);
}

describe('durable run loop under SIGKILL (child processes, FileJournal)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'actormesh-durable-run-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(`survives >= 50 seeded SIGKILLs across a ${STEPS}-step run: each effect once, same result as an uninterrupted run`, async function () {
    this.timeout(120_000);
    // The reference: the same run, never killed (in parallel with the killed one; its own directory).
    const referenceLife = life(join(dir, 'ref'), join(dir, 'ref-ledger'));

    // Kill moments: the k-th step started in a life (k in [15, CAP]) plus 0-3 ms, so the kill
    // lands anywhere in the effect, its fsync, the commit's fsync or the next spawn.
    const rng = xoroshiro128plus(SEED);
    const ledger = join(dir, 'ledger');
    let kills = 0;
    let idleKills = 0;
    let skipped = 0;
    let final: Life | undefined;
    for (let lives = 0; lives < 200 && final === undefined; lives++) {
      const killAfter = { steps: uniformInt(rng, 15, CAP), jitterMs: uniformInt(rng, 0, 3) };
      const outcome = await life(join(dir, 'killed'), ledger, killAfter);
      skipped += outcome.output.split('\n').filter((l) => l.startsWith('skip ')).length;
      if (outcome.killed) {
        kills++;
        if (outcome.output.includes('idle')) idleKills++;
      } else {
        assert.equal(outcome.code, 0, `life ${lives} (seed ${SEED}) exited without being killed: ${outcome.output}`);
        final = outcome;
      }
    }
    const reference = await referenceLife;
    assert.equal(reference.code, 0, reference.output);
    const expected = /done (\d+)/.exec(reference.output)?.[1];
    assert.ok(expected !== undefined, reference.output);
    checkLedger(await readFile(join(dir, 'ref-ledger'), 'utf8'));
    assert.ok(final !== undefined, 'the run finished');
    assert.ok(kills >= 50, `kills: ${kills} (seed ${SEED})`);
    assert.equal(/done (\d+)/.exec(final.output)?.[1], expected, 'final result equals the uninterrupted run');
    checkLedger(await readFile(ledger, 'utf8'));
    // Some kills fell between an effect and its commit: the idempotency key is what kept those effects single.
    assert.ok(skipped >= 1, `effects recognised by their idempotency key: ${skipped} (seed ${SEED})`);
    // Figures (kills at the per-life cap are at a step boundary, the others mid-step).
    console.log(`      ${kills} SIGKILLs (${idleKills} at the per-life cap), ${skipped} effects recognised by key, seed ${SEED}`);
  });
});
