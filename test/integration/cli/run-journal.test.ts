/** Ad hoc commands change hosts too: `drydock run` writes a journal that `drydock runs` lists. */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet } from '../../helpers/fleet.js';
import { runDrydock } from '../../helpers/cli.js';

describe('drydock run writes a run journal', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let stateDir: string;

  before(async () => {
    fleet = await startFleet({ hosts: 2, firstAddress: '127.0.51.1' });
    stateDir = mkdtempSync(join(tmpdir(), 'drydock-run-journal-'));
  });
  after(async () => {
    await fleet?.stop();
  });

  it('records every host result and the outcome, and drydock runs shows it', async () => {
    const env = { DRYDOCK_STATE_DIR: stateDir };
    const ran = await runDrydock(['run', 'all', '-i', fleet.inventoryFile, '--', 'echo journal-me; exit 3'], { env });
    expect(ran.code, ran.stdout + ran.stderr).to.equal(2);
    const files = readdirSync(join(stateDir, 'runs'));
    expect(files).to.have.length(1);
    const lines = readFileSync(join(stateDir, 'runs', files[0]!), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines[0]!.kind).to.equal('header');
    expect(lines[0]!.command).to.contain('drydock run all');
    const results = lines.filter((l) => l.kind === 'event' && l.event.type === 'host.result');
    expect(results.map((l) => l.event.result.host).sort()).to.deep.equal(fleet.hosts.map((h) => h.name).sort());
    expect(results.every((l) => l.event.result.rc === 3 && l.event.result.stdout.includes('journal-me'))).to.equal(true);
    expect(lines.at(-1)).to.include({ kind: 'end', exitCode: 2, interrupted: false });

    const runs = await runDrydock(['runs', '--json'], { env });
    expect(runs.code, runs.stderr).to.equal(0);
    expect(runs.stdout).to.contain(files[0]!.replace(/\.jsonl$/, ''));
  });
});
