import assert from 'node:assert/strict';
import type { ActorRef, ActorSystem, RuntimeEvent } from '../../src/index.js';
import { agentClassOf } from '../../actors/mesh-types.js';
import type { AgentMsg } from '../../actors/mesh-types.js';
import { THINK_PROVIDERS, admissionSettingsOf, configureAdmission, thinkLaneOf, thinkStats } from '../../actors/mesh/think.js';
import type { Thought } from '../../actors/mesh/think.js';
import { laneKeyOf } from '../../actors/admission/messages.js';
import type { AdmissionSettings } from '../../actors/admission/messages.js';
import { loadTreeFile, spawnTree } from '../../supervisors/config/index.js';
import { recordEvents, terminateAll } from '../support/helpers.js';
import { meshSystem, smallMeshConfig } from '../support/mesh.js';

/** With this seed every provider has 2 or 3 of the 12 agents (and tool 5): every cap is contested. */
const SEED = 11;
const ONE = { capacity: 1, order: 'oldest-first', estimatedDurationMs: 5 } as const;
const LANES: AdmissionSettings = {
  lanes: { tool: { capacity: 2, order: 'oldest-first', estimatedDurationMs: 5 }, 'local-generation': ONE },
  providerLanes: { 'cloud-generation': { openai: ONE, anthropic: ONE, google: ONE } },
};

function agentsOf(system: ActorSystem): ActorRef<AgentMsg>[] {
  const agents: ActorRef<AgentMsg>[] = [];
  for (let s = 0; s < 2; s++) for (let c = 0; c < 2; c++) for (let a = 0; a < 3; a++) agents.push(system.lookup(`/user/orchestrator/sector-${s}/cluster-${c}/agent-${a}`)! as ActorRef<AgentMsg>);
  return agents;
}

/** Every agent thinks at once; resolves with their thoughts. */
function thinkAll(agents: readonly ActorRef<AgentMsg>[]): Promise<Thought[]> {
  return Promise.all(agents.map((agent, i) => agent.ask<Thought>((replyTo) => ({ type: 'think', prompt: `q${i}`, replyTo }), { timeoutMs: 5000 })));
}

/** Peak concurrent calls per lane key, replayed from admission-admitted / admission-completed events. */
function peaksFromEvents(events: readonly RuntimeEvent[]): Record<string, number> {
  const running: Record<string, number> = {};
  const peak: Record<string, number> = {};
  for (const e of events as unknown as { type: string; lane: { resourceClass: string; provider?: string } }[]) {
    if (e.type !== 'admission-admitted' && e.type !== 'admission-completed') continue;
    const key = laneKeyOf(e.lane as never);
    running[key] = (running[key] ?? 0) + (e.type === 'admission-admitted' ? 1 : -1);
    peak[key] = Math.max(peak[key] ?? 0, running[key]!);
  }
  return peak;
}

describe('mesh: agents think through admission lanes', () => {
  afterEach(terminateAll);

  it('12 agents thinking at once with a provider cap of 1: never more than 1 call per provider, all answered', async () => {
    // maxReplyMs 15: every call lasts long enough for the calls to overlap without lanes.
    const system = meshSystem({ seed: SEED, speedup: 10, maxReplyMs: 15 });
    const events = recordEvents(system);
    configureAdmission(system, LANES);
    spawnTree(system, smallMeshConfig());
    const agents = agentsOf(system);
    const thoughts = await thinkAll(agents);
    assert.equal(thoughts.length, 12);
    for (const [i, t] of thoughts.entries()) {
      assert.equal(t.type, 'thought');
      assert.equal(t.prompt, `q${i}`);
      assert.equal(t.from, agents[i]!.path);
      assert.equal(t.admitted, true);
      assert.equal(t.error, undefined);
      assert.deepEqual(t.lane, thinkLaneOf(t.from, agentClassOf(t.from, SEED), SEED));
    }
    const peaks = peaksFromEvents(events);
    const cloudCalls = thoughts.filter((t) => t.lane.resourceClass === 'cloud-generation').length;
    assert.ok(cloudCalls >= 2, `the seed gives cloud agents (got ${cloudCalls})`);
    for (const provider of THINK_PROVIDERS) assert.ok((peaks[`cloud-generation:${provider}`] ?? 0) <= 1, `${provider}: peak ${peaks[`cloud-generation:${provider}`]}`);
    for (const provider of THINK_PROVIDERS) {
      const calls = thoughts.filter((t) => t.lane.provider === provider);
      assert.ok(calls.length >= 2, `${provider} has ${calls.length} calls`);
      assert.ok(Math.max(...calls.map((t) => t.waitedMs)) > 0, `${provider}: some call waited for the one before it`);
    }
    assert.ok((peaks['local-generation'] ?? 0) <= 1);
    assert.ok((peaks['tool'] ?? 0) <= 2);
    // The agents' own count of calls in flight agrees with the events.
    const stats = thinkStats(system);
    for (const key of Object.keys(stats.peak)) assert.equal(stats.peak[key], peaks[key], key);
    assert.equal(stats.calls, 12);
  });

  it('without lanes the same calls overlap (the storm the lanes prevent)', async () => {
    const system = meshSystem({ seed: SEED, speedup: 10, maxReplyMs: 15 });
    spawnTree(system, smallMeshConfig());
    const thoughts = await thinkAll(agentsOf(system));
    assert.ok(thoughts.every((t) => t.admitted === false && t.waitedMs === 0));
    const peaks = Object.values(thinkStats(system).peak);
    assert.ok(Math.max(...peaks) > 2, `some lane ran more calls at once than the caps allow (peaks ${JSON.stringify(thinkStats(system).peak)})`);
  });

  it('answers a call whose lane has no budget with the refusal, naming the lane', async () => {
    const system = meshSystem({ seed: SEED, speedup: 10, maxReplyMs: 15 });
    configureAdmission(system, { lanes: { tool: ONE } });
    assert.throws(() => configureAdmission(system, { lanes: { tool: ONE } }), /already has admission lanes/);
    spawnTree(system, smallMeshConfig());
    const thoughts = await thinkAll(agentsOf(system));
    const refused = thoughts.filter((t) => t.lane.resourceClass !== 'tool');
    assert.ok(refused.length > 0);
    for (const t of refused) assert.match(t.error!, new RegExp(laneKeyOf(t.lane)));
    assert.ok(thoughts.filter((t) => t.lane.resourceClass === 'tool').every((t) => t.error === undefined));
  });

  it('reads the lanes of examples/mesh-30k.yaml from the root props', () => {
    const settings = admissionSettingsOf(loadTreeFile('examples/mesh-30k.yaml'));
    assert.ok(settings !== undefined);
    for (const provider of THINK_PROVIDERS) assert.ok(settings.providerLanes?.['cloud-generation']?.[provider]?.capacity! >= 1, provider);
    assert.equal(admissionSettingsOf(smallMeshConfig()), undefined);
  });
});
