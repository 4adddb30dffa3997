import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { loadSigningFile } from '../src/cli/mesh-node.js';
import { startNatsServer } from './support/nats-server.js';
import type { NatsServer } from './support/nats-server.js';

/** The cluster options of the command line refuse bad input before anything starts. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'actormesh', ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cli: cluster options (actormesh run --nats, actormesh node, keygen)', () => {
  it('refuses --nodes without --nats, a bad NATS URL and a bad node count', async () => {
    assert.match((await run('run', 'examples/mesh-30k.yaml', '--nodes', '3')).err, /option '--nodes' needs '--nats <url>'/);
    assert.match((await run('run', 'examples/mesh-30k.yaml', '--sign')).err, /option '--sign' needs '--nats <url>'/);
    assert.match((await run('run', 'examples/mesh-30k.yaml', '--nats-user', 'u')).err, /option '--nats-user' needs '--nats <url>'/);
    const url = await run('run', 'examples/mesh-30k.yaml', '--nats', 'localhost:4222');
    assert.equal(url.code, 1);
    assert.match(url.err, /expected a NATS URL such as nats:\/\/127\.0\.0\.1:4222 \(got 'localhost:4222'\)/);
    assert.match((await run('run', 'examples/mesh-30k.yaml', '--nats', 'nats://127.0.0.1:1', '--nodes', '0')).err, /expected a node count from 1 to 32 \(got '0'\)/);
  });

  it('actormesh node refuses a node id outside --nodes, a repeated id and an unknown root node', async () => {
    const base = ['node', '--config', 'examples/mesh-30k.yaml', '--nats', 'nats://127.0.0.1:1'];
    assert.match((await run(...base, '--node-id', 'n9', '--nodes', 'n1,n2')).err, /--node-id 'n9' is not one of --nodes \(n1, n2\)/);
    assert.match((await run(...base, '--node-id', 'n1', '--nodes', 'n1,n1')).err, /a node id appears twice in 'n1,n1'/);
    assert.match((await run(...base, '--node-id', 'n1', '--nodes', 'n1,n2', '--root-node', 'n3')).err, /--root-node 'n3' is not one of --nodes/);
    assert.match((await run(...base, '--node-id', 'n 1', '--nodes', 'n1')).err, /expected node ids \(letters, digits, '-', '_'\)/);
    assert.match((await run(...base, '--node-id', 'n1', '--root-node', 'n1')).err, /option '--root-node' needs '--nodes <ids>'/);
  });

  it('keygen prints a key pair that a signing file accepts; a broken signing file names the field', async () => {
    const pair = JSON.parse((await run('keygen')).out) as { privateKey: string; publicKey: string };
    const other = JSON.parse((await run('keygen')).out) as { privateKey: string; publicKey: string };
    const dir = mkdtempSync(join(tmpdir(), 'am-signing-'));
    const good = join(dir, 'n1.yaml');
    writeFileSync(good, `privateKey: ${pair.privateKey}\npublicKeys:\n  n1: ${pair.publicKey}\n  n2: ${other.publicKey}\n`);
    const setup = loadSigningFile(good, 'n1');
    assert.equal(setup.requireSigned, true);
    assert.ok(setup.verifier.has('n2'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `privateKey: ${pair.privateKey}\npublicKeys:\n  n2: not-a-key\n`);
    assert.throws(() => loadSigningFile(bad, 'n1'), /publicKeys\.n2/);
    const wrongSelf = join(dir, 'wrong.yaml');
    writeFileSync(wrongSelf, `privateKey: ${pair.privateKey}\npublicKeys:\n  n1: ${other.publicKey}\n`);
    assert.throws(() => loadSigningFile(wrongSelf, 'n1'), /publicKeys\.n1.*does not match/);
  });
});

describe('cli: run --nats against a server that requires a user and password', function () {
  this.timeout(60_000);
  let server: NatsServer | undefined;
  before(async function () {
    this.timeout(15_000);
    server = await startNatsServer({ args: ['--user', 'mesh', '--pass', 's3cret'] });
  });
  after(async () => {
    await server?.stop();
  });

  it('passes the credentials to every node (the children get the password through the environment, not argv)', async () => {
    const ok = await run('run', 'test/fixtures/mesh-small.yaml', '--nats', server!.url, '--nodes', '2', '--nats-user', 'mesh', '--nats-pass', 's3cret', '--json', '--quiet');
    assert.equal(ok.code, 0, ok.err);
    const summary = JSON.parse(ok.out) as { nodes: { node: string; units: number }[]; waves: { reached: number }[]; agents: number };
    assert.equal(summary.nodes.length, 2);
    assert.ok(summary.nodes.every((n) => n.units > 0), JSON.stringify(summary.nodes));
    assert.ok(summary.waves.every((w) => w.reached === summary.agents));
    const wrong = await run('run', 'test/fixtures/mesh-small.yaml', '--nats', server!.url, '--nodes', '2', '--nats-user', 'mesh', '--nats-pass', 'wrong', '--json', '--quiet');
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /Authorization Violation/i);
  });
});
