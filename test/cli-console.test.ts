import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { agentClassOf } from '../actors/mesh-types.js';
import { CASCADES, MeshConsole } from '../actors/mesh/console.js';
import { spawnTree } from '../supervisors/config/index.js';
import type { TreeHandle } from '../supervisors/config/index.js';
import { CONSOLE_COMMANDS, ConsoleCommandError, commandParams, formatConsoleLine, parseConsoleLine, quoteConsoleArg, splitConsoleCommands } from '../src/cli/console-commands.js';
import type { ParsedCommand } from '../src/cli/console-commands.js';
import { ConsoleExecutor, outcomeJson, parseImpedanceClass } from '../src/cli/console-executor.js';
import type { ConsoleOutcome, ConsoleSuccess } from '../src/cli/console-executor.js';
import { consoleFile } from '../src/cli/console-session.js';
import { validateFile } from '../src/cli/main.js';
import { terminateAll } from './support/helpers.js';
import { meshSystem, smallMeshConfig } from './support/mesh.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const SMALL_YAML = 'test/fixtures/mesh-small.yaml';
const ROOT = '/user/orchestrator';
const S0 = `${ROOT}/sector-0`;

/** The parse of a line that must be valid. */
function parsed(line: string, cascades?: readonly string[]): ParsedCommand {
  const result = parseConsoleLine(line, cascades);
  if (result instanceof ConsoleCommandError) assert.fail(`'${line}' did not parse: ${result.message}`);
  return result;
}

/** The error of a line that must be refused. */
function refused(line: string, cascades?: readonly string[]): ConsoleCommandError {
  const result = parseConsoleLine(line, cascades);
  assert.ok(result instanceof ConsoleCommandError, `'${line}' parsed as ${JSON.stringify(result)}`);
  return result;
}

describe('cli console: parseConsoleLine', () => {
  it('parses every command, its arguments and the --cascade option', () => {
    assert.deepEqual(parsed('status'), { command: 'status', args: [], options: {} });
    assert.deepEqual(parsed('  STATUS  '), { command: 'status', args: [], options: {} });
    assert.deepEqual(parsed('broadcast hello'), { command: 'broadcast', args: ['hello'], options: {} });
    assert.deepEqual(parsed('broadcast "Context update: market closed" --cascade parallel'), { command: 'broadcast', args: ['Context update: market closed'], options: { cascade: 'parallel' } });
    assert.deepEqual(parsed('broadcast --cascade=wave hi'), { command: 'broadcast', args: ['hi'], options: { cascade: 'wave' } });
    assert.deepEqual(parsed('ask sector-1/cluster-2/agent-3 "how are you"'), { command: 'ask', args: ['sector-1/cluster-2/agent-3', 'how are you'], options: {} });
    // The last argument of broadcast, ask and delegate is free text: extra words are joined.
    assert.deepEqual(parsed('ask sector-1/cluster-2/agent-3 how are  you'), { command: 'ask', args: ['sector-1/cluster-2/agent-3', 'how are you'], options: {} });
    assert.deepEqual(parsed("delegate CLASS_D_GPU 'Analyze Q3 financial data'"), { command: 'delegate', args: ['CLASS_D_GPU', 'Analyze Q3 financial data'], options: {} });
    for (const command of ['heal', 'freeze', 'thaw'] as const) assert.deepEqual(parsed(`${command} /user/orchestrator/sector-1`), { command, args: ['/user/orchestrator/sector-1'], options: {} });
    assert.deepEqual(parsed('help'), { command: 'help', args: [], options: {} });
    assert.deepEqual(parsed('quit'), { command: 'quit', args: [], options: {} });
    assert.deepEqual(parsed('exit'), { command: 'quit', args: [], options: {} });
  });

  it('reads quotes and escapes as a small shell: a quoted argument is never an option', () => {
    assert.deepEqual(parsed('broadcast "--cascade"').args, ['--cascade']);
    assert.deepEqual(parsed('broadcast \\--cascade').args, ['--cascade']);
    assert.deepEqual(parsed('broadcast "say \\"hi\\" \\\\ bye"').args, ['say "hi" \\ bye']);
    assert.deepEqual(parsed("broadcast 'a \\ \"b\"'").args, ['a \\ "b"']);
    assert.deepEqual(parsed('broadcast pre"fix and"post').args, ['prefix andpost']);
    assert.deepEqual(parsed('broadcast ""').args, ['']);
  });

  it('refuses bad lines with an error naming the problem and what is expected', () => {
    assert.match(refused('').message, /empty line: expected a command \(commands: status, broadcast, ask, delegate, heal, freeze, thaw, help, quit\)/);
    const unknown = refused('statuss now');
    assert.equal(unknown.command, 'statuss');
    assert.match(unknown.message, /unknown command 'statuss' \(commands: status, broadcast, ask, delegate, heal, freeze, thaw, help, quit/);
    assert.match(refused('ask sector-0/cluster-0/agent-0').message, /ask: missing <question> \(usage: ask <agent> <question>\)/);
    assert.match(refused('heal sector-0 sector-1').message, /heal: too many arguments \(got 'sector-0', 'sector-1'; usage: heal <path>\)/);
    assert.match(refused('status --json').message, /status: unknown option '--json' \(it takes no options/);
    assert.match(refused('broadcast hi --priority 1').message, /broadcast: unknown option '--priority' \(options: --cascade/);
    assert.match(refused('broadcast hi --cascade').message, /broadcast: option --cascade needs a value/);
    assert.match(refused('broadcast hi --cascade wave --cascade parallel').message, /option --cascade given twice \('wave' and 'parallel'\)/);
    assert.match(refused('broadcast hi --cascade sideways').message, new RegExp(`--cascade must be one of ${CASCADES.join(', ')} \\(got 'sideways'\\)`));
    const quote = refused('broadcast "unterminated');
    assert.equal(quote.command, 'broadcast');
    assert.match(quote.message, /broadcast: unterminated double quote at column 11/);
  });

  it('checks --cascade against the cascades it is given (CASCADES, read at call time, by default)', () => {
    assert.equal(refused('broadcast hi --cascade sideways', ['wave']).message.includes('one of wave (got'), true);
    assert.deepEqual(parsed('broadcast hi --cascade sideways', ['wave', 'sideways']).options, { cascade: 'sideways' });
    for (const cascade of CASCADES) assert.equal(parsed(`broadcast hi --cascade ${cascade}`).options['cascade'], cascade);
  });

  it('splits --exec text at semicolons outside quotes', () => {
    assert.deepEqual(splitConsoleCommands('status; freeze sector-0 ;; broadcast "a; b" ; ask x \'c;d\'; broadcast e\\;f;'), ['status', 'freeze sector-0', 'broadcast "a; b"', "ask x 'c;d'", 'broadcast e\\;f']);
    assert.deepEqual(parsed(splitConsoleCommands('broadcast e\\;f')[0]!).args, ['e;f']);
    assert.deepEqual(splitConsoleCommands(' ; '), []);
  });

  it('property: a known command with arguments quoted by quoteConsoleArg parses back to the same command and arguments, alone or in an --exec list', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const command = fc
      .constantFrom(...CONSOLE_COMMANDS)
      .chain((name) =>
        fc.record({
          name: fc.constant(name),
          args: fc.tuple(...commandParams(name).map(() => text)),
          cascade: name === 'broadcast' ? fc.option(fc.constantFrom(...CASCADES), { nil: undefined }) : fc.constant(undefined),
        }),
      );
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 4 }), (commands) => {
        const lines = commands.map((c) => formatConsoleLine(c.name, c.args, c.cascade === undefined ? {} : { cascade: c.cascade }));
        const expected = commands.map((c) => ({ command: c.name, args: c.args, options: c.cascade === undefined ? {} : { cascade: c.cascade } }));
        assert.deepEqual(lines.map((line) => parseConsoleLine(line)), expected);
        assert.deepEqual(splitConsoleCommands(lines.join('; ')).map((line) => parseConsoleLine(line)), expected);
      }),
      { numRuns: 300 },
    );
    assert.equal(quoteConsoleArg('sector-1/cluster-2'), 'sector-1/cluster-2', 'safe arguments stay bare');
    assert.equal(quoteConsoleArg('how are you'), '"how are you"');
  });
});

describe('cli console: ConsoleExecutor on a small mesh', () => {
  afterEach(terminateAll);

  let tree: TreeHandle;
  let mesh: MeshConsole;
  let exec: ConsoleExecutor;
  beforeEach(() => {
    const system = meshSystem({ seed: 5, speedup: 1000, maxReplyMs: 5, gatherTimeoutMs: 200, conflictRate: 0 });
    tree = spawnTree(system, smallMeshConfig({ breakers: true }));
    mesh = new MeshConsole(system, tree, { timeoutMs: 1500 });
    exec = new ConsoleExecutor(mesh);
  });

  /** Runs `line`; fails the test unless it succeeded. */
  async function ok(line: string): Promise<ConsoleSuccess & { result: any }> {
    const outcome = await exec.run(line);
    assert.ok(outcome.ok, `'${line}' failed: ${outcome.ok ? '' : outcome.error}`);
    return outcome as ConsoleSuccess & { result: any };
  }

  /** Runs `line`; returns its error message, failing the test if it succeeded. */
  async function failure(line: string): Promise<string> {
    const outcome: ConsoleOutcome = await exec.run(line);
    assert.ok(!outcome.ok, `'${line}' succeeded: ${JSON.stringify(outcome)}`);
    return outcome.error;
  }

  it('status: the part 7.1 box, with frozen coordinators and the last broadcast', async () => {
    const status = await ok('status');
    assert.equal(status.command, 'status');
    assert.equal(status.result.agentsActive, 12);
    assert.equal(status.result.sectorsTotal, 2);
    assert.deepEqual(status.result.frozen, []);
    assert.equal(status.result.lastBroadcastAgoMs, null);
    assert.match(status.text[1]!, /^│ MESH-30K STATUS +│$/);
    assert.ok(status.text.some((l) => l.includes('Agents: 12 / 12 active (100.0%)')));
    assert.ok(status.text.some((l) => l.includes('Frozen: none')));
    assert.equal(new Set(status.text.map((l) => l.length)).size, 1, 'every line of the box has one width');
    await ok('freeze sector-0');
    await ok('broadcast hello');
    const after = await ok('status');
    assert.deepEqual(after.result.frozen, [S0]);
    assert.ok(after.text.some((l) => l.includes('Frozen: sector-0')));
    assert.equal(typeof after.result.lastBroadcastAgoMs, 'number');
    assert.equal(after.result.agentsActive, 6, 'the frozen sector refused the status wave');
  });

  it('broadcast: every cascade in CASCADES; the delay histogram summarized; frozen refusals named', async () => {
    for (const cascade of CASCADES) {
      const r = await ok(`broadcast "hello mesh" --cascade ${cascade}`);
      assert.equal(r.result.cascade, cascade);
      assert.ok(r.result.acked >= 1 && r.result.acked <= 12, `${cascade}: ${r.result.acked} acked`);
      if (cascade === 'wave' || cascade === 'parallel') assert.equal(r.result.acked, 12);
      assert.deepEqual(Object.keys(r.result.agentDelays).sort(), ['count', 'maxMs', 'p50Ms', 'p95Ms']);
      assert.match(r.text[0]!, new RegExp(`^Broadcast complete \\(${cascade}, wave \\d+`));
    }
    assert.equal((await ok('broadcast plain')).result.cascade, 'wave', 'wave by default');
    await ok('freeze sector-0');
    const refusedWave = await ok('broadcast work');
    assert.deepEqual(refusedWave.result.refusedBy, [S0]);
    assert.equal(refusedWave.result.acked, 6);
    assert.ok(refusedWave.text.includes('- refused by frozen: sector-0'));
    assert.match(await failure('broadcast ""'), /^broadcast: .*message must be a non-empty string/);
  });

  it('ask: relative and absolute agent paths; a frozen sector refuses; non-agents and unknown paths are named', async () => {
    const agent = `${S0}/cluster-1/agent-2`;
    const rel = await ok('ask sector-0/cluster-1/agent-2 "how are you?"');
    assert.equal(rel.result.from, agent);
    assert.equal(rel.result.question, 'how are you?');
    assert.match(rel.text[0]!, /^sector-0\/cluster-1\/agent-2 \([A-F]_[A-Z]+, [\d.]+ ms\): /);
    assert.equal((await ok(`ask ${agent}/ status?`)).result.from, agent, 'absolute, trailing slash allowed');
    assert.match(await failure('ask sector-9/cluster-0/agent-0 hi'), /^ask: unknown path 'sector-9\/cluster-0\/agent-0' \(no such actor in this mesh\); a path is relative to the root like 'sector-0\/cluster-0\/agent-0', or absolute like '\/user\/orchestrator\/sector-0\/cluster-0\/agent-0'/);
    assert.match(await failure('ask sector-0 hi'), /^ask: 'sector-0' is a sector-coordinator, not an agent/);
    await ok('freeze sector-0');
    assert.match(await failure('ask sector-0/cluster-1/agent-2 hi'), /^ask: '.*agent-2' refused by '\/user\/orchestrator\/sector-0': frozen/);
  });

  it('delegate: class names as the document writes them; an unknown class lists the classes', async () => {
    const cls = agentClassOf(mesh.agents[0]!, 5);
    const done = await ok(`delegate class_${cls.toLowerCase()} Analyze Q3 financial data`);
    assert.equal(done.result.cls, cls);
    assert.equal(agentClassOf(done.result.agent, 5), cls);
    assert.equal(done.result.done.task, 'Analyze Q3 financial data');
    assert.match(done.text[0]!, /^Delegated to agent sector-\d\/cluster-\d\/agent-\d /);
    assert.equal(parseImpedanceClass('D'), 'D_GPU');
    assert.equal(parseImpedanceClass('CLASS_F_HUMAN'), 'F_HUMAN');
    assert.equal(parseImpedanceClass('GPU'), undefined);
    assert.match(await failure('delegate Z_WIZARD task'), /^delegate: unknown class 'Z_WIZARD' \(classes: A_EDGE, B_SERVERLESS, C_PERSISTENT, D_GPU, E_LOCAL, F_HUMAN/);
  });

  it('heal, freeze, thaw: paths checked; heal resets the open breakers under the path', async () => {
    const cluster = `${S0}/cluster-1`;
    tree.breakerAt(cluster)!.trip();
    const healed = await ok('heal sector-0');
    assert.deepEqual(healed.result, { path: S0, breakersReset: [cluster], replayed: 0 });
    assert.ok(healed.text.includes('- circuit breakers reset: sector-0/cluster-1'));
    assert.equal(tree.breakerAt(cluster)!.state, 'closed');
    assert.equal((await ok(`heal ${ROOT}`)).result.path, ROOT, 'the root by its absolute path');
    assert.match(await failure('heal sector-9'), /^heal: unknown path 'sector-9' .*'sector-0\/cluster-0'.*'\/user\/orchestrator\/sector-0\/cluster-0'/);
    const frozen = await ok('freeze sector-1/cluster-0');
    assert.deepEqual(frozen.result, { type: 'freeze-state', path: `${ROOT}/sector-1/cluster-0`, frozen: true });
    assert.deepEqual(frozen.text, ['FROZEN sector-1/cluster-0: it refuses new work (waves, asks, tasks)', 'To resume: thaw sector-1/cluster-0']);
    assert.equal((await ok(`thaw ${ROOT}/sector-1/cluster-0`)).result.frozen, false);
    assert.match(await failure('freeze sector-0/cluster-0/agent-0'), /^freeze: 'sector-0\/cluster-0\/agent-0' is an agent; freeze takes a sector like 'sector-0' or a cluster like 'sector-0\/cluster-0'/);
    assert.match(await failure('thaw /user/orchestrator'), /^thaw: '\/user\/orchestrator' is an orchestrator; thaw takes a sector/);
  });

  it('help, quit, an unknown command, and the JSON shape of each outcome', async () => {
    const help = await ok('help');
    assert.deepEqual(help.result.commands.map((c: { command: string }) => c.command), [...CONSOLE_COMMANDS]);
    assert.ok(help.text.some((l) => l.includes(`broadcast <message> [--cascade <${CASCADES.join('|')}>]`)));
    const quit = await ok('exit');
    assert.deepEqual(outcomeJson(quit), { command: 'quit', ok: true, result: null });
    const unknown = await exec.run('bogus 1 2');
    assert.deepEqual(outcomeJson(unknown), { command: 'bogus', ok: false, error: "unknown command 'bogus' (commands: status, broadcast, ask, delegate, heal, freeze, thaw, help, quit; 'help' explains them)" });
  });
});

describe('cli console: sessions', function () {
  this.timeout(15_000);

  it('reads stdin lines in-process: a failed command does not end the session, quit does; exit 1 on a non-TTY with a failure', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const input = Readable.from(['status\n', '\n# comment\n', 'freeze sector-9\n', 'broadcast hi; ask sector-1/cluster-1/agent-0 "you there?"\n', 'quit\n', 'status\n']);
    const code = await consoleFile(SMALL_YAML, { seed: 1, speedup: 1000, json: true }, { out: (l) => out.push(l), err: (l) => err.push(l) }, { validate: validateFile, input });
    assert.equal(code, 1);
    const lines = out.map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.command, l.ok]), [['status', true], ['freeze', false], ['broadcast', true], ['ask', true], ['quit', true]]);
    assert.match(lines[1].error, /freeze: unknown path 'sector-9'/);
    assert.match(err[0]!, /^spawned 19 actors in \d+ ms; registration: 12 agents in \d+ ms$/);
    // End of input without quit: exit 0 when nothing failed.
    const clean = await consoleFile(SMALL_YAML, { seed: 1, speedup: 1000 }, { out: () => undefined, err: () => undefined }, { validate: validateFile, input: Readable.from(['help\n']) });
    assert.equal(clean, 0);
  });

  it('refuses a missing file before spawning, as run does', async () => {
    const err: string[] = [];
    const code = await consoleFile('test/fixtures/nope.yaml', { seed: 1, speedup: 1000, exec: ['status'] }, { out: () => assert.fail('nothing on stdout'), err: (l) => err.push(l) }, { validate: validateFile });
    assert.equal(code, 1);
    assert.deepEqual(err, ["error: cannot read 'test/fixtures/nope.yaml': no such file"]);
  });

  /** `actormesh console ARGS` from the sources as a child process, `stdin` piped in. */
  function actormesh(args: readonly string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'console', ...args], { cwd: REPO_ROOT, timeout: 12_000 });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(stdin);
    });
  }

  it('child process: --exec with --json prints exactly one JSON object per command on stdout', async () => {
    const run = await actormesh([SMALL_YAML, '--exec', 'status; freeze sector-0; broadcast hi; thaw sector-0; quit', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((l) => l.command), ['status', 'freeze', 'broadcast', 'thaw', 'quit']);
    assert.ok(lines.every((l) => l.ok === true));
    assert.equal(lines[0].result.agentsActive, 12);
    assert.equal(lines[1].result.frozen, true);
    assert.deepEqual(lines[2].result.refusedBy, [S0]);
    assert.equal(lines[2].result.acked, 6);
    assert.equal(lines[3].result.frozen, false);
    assert.match(run.stderr, /spawned 19 actors/);
    assert.ok(!run.stdout.includes('mesh> ') && !run.stderr.includes('mesh> '), 'no prompt when stdin is not a TTY');
  });

  it('child process: commands piped on stdin, human output; an error does not stop the session; exit 1', async () => {
    const run = await actormesh([SMALL_YAML, '--seed', '3'], 'status\nask sector-1/cluster-0/agent-2 "how are you"\nbogus\nbroadcast hello --cascade parallel\nquit\nstatus\n');
    assert.equal(run.code, 1, 'a command failed and stdin is not a TTY');
    assert.equal(run.stdout.split('MESH-30K STATUS').length - 1, 1, 'one status box: nothing runs after quit');
    assert.match(run.stdout, /^sector-1\/cluster-0\/agent-2 \(\w+, [\d.]+ ms\): .*how are you$/m);
    assert.match(run.stdout, /^Broadcast complete \(parallel, wave \d+, \d+ ms\): SUCCESS/m);
    assert.match(run.stderr, /^error: unknown command 'bogus' \(commands: status, broadcast/m);
  });
});
