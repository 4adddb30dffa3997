import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal, JournalCorruptedError } from '../src/index.js';
import { main } from '../src/cli/main.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) } };
}

describe('cli: actormesh journal repair', () => {
  it('says a whole journal needs nothing, and cuts a corrupted one so that it opens again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'actormesh-cli-journal-'));
    dirs.push(dir);
    const journal = await FileJournal.open(dir);
    for (let i = 0; i < 20; i++) await journal.append('order-1', i, [{ step: i, note: 'x'.repeat(40) }]);
    await journal.close();

    const whole = capture();
    assert.equal(await main(['node', 'actormesh', 'journal', 'repair', dir], whole.output), 0);
    assert.match(whole.out.join('\n'), /is whole, nothing to repair/);

    // A flipped byte in the middle of the segment (not its tail): refused on open.
    const segment = join(dir, (await readdir(dir)).find((name) => name.endsWith('.log'))!);
    const bytes = await readFile(segment);
    bytes[Math.floor(bytes.length / 2)] ^= 0x5a;
    await writeFile(segment, bytes);
    await assert.rejects(FileJournal.open(dir), JournalCorruptedError);

    const cut = capture();
    assert.equal(await main(['node', 'actormesh', 'journal', 'repair', dir, '--json'], cut.output), 0);
    const report = JSON.parse(cut.out.join('')) as { repaired: boolean; file: string; offset: number };
    assert.equal(report.repaired, true);
    assert.equal(report.file, segment);
    assert.ok(report.offset > 0 && report.offset < bytes.length);

    const reopened = await FileJournal.open(dir);
    const highest = await reopened.highestSequenceNr('order-1');
    assert.ok(highest > 0 && highest < 20, `kept the events before the bad record (${highest})`);
    await reopened.close();
  });

  it('exits 1 naming the directory when there is no journal to repair', async () => {
    const missing = join(tmpdir(), `actormesh-no-journal-${process.pid}-${Date.now()}`, 'deeper');
    const r = capture();
    assert.equal(await main(['node', 'actormesh', 'journal', 'repair', missing], r.output), 1);
    assert.match(r.err.join('\n'), new RegExp(`cannot repair '${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`));
  });
});
