/**
 * Issue 15 item 8 through the real CLI: each crafted input ends with exit 1 and a positioned message, never
 * "internal error" and a stack trace (rc 255), and an alias bomb under --syntax-check ends instead of burning
 * minutes of CPU (the test's timeout catches a hang; how fast it ends is not asserted here).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrydock } from '../../helpers/cli.js';
import { aliasBomb } from '../../helpers/crafted-yaml.js';

describe('drydock on crafted YAML: positioned input errors, exit 1', function () {
  this.timeout(60_000);
  let dir: string;
  let hosts: string;
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-crafted-cli-'));
    hosts = file('hosts.ini', 'h1 ansible_host=127.0.0.1\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const expectInputError = (res: { code: number | null; stderr: string }, where: RegExp): void => {
    expect(res.code, res.stderr).to.equal(1);
    expect(res.stderr).to.not.match(/internal error|\n\s+at /);
    expect(res.stderr).to.match(where);
  };

  it('play --syntax-check on an alias bomb', async () => {
    const play = file('bomb.yaml', `- hosts: all\n  vars:\n${aliasBomb('    ')}  tasks:\n    - command: "true"\n`);
    expectInputError(await runDrydock(['play', play, '-i', hosts, '--syntax-check'], { stateDir: dir }), /bomb\.yaml:\d+:\d+: .*alias/);
  });

  it('play --syntax-check with an alias that has no anchor', async () => {
    const play = file('unres.yaml', '- hosts: all\n  vars:\n    x: *nope\n  tasks:\n    - command: "true"\n');
    expectInputError(await runDrydock(['play', play, '-i', hosts, '--syntax-check'], { stateDir: dir }), /unres\.yaml:3:8: /);
  });

  it('inventory list -i /dev/zero', async () => {
    expectInputError(await runDrydock(['inventory', 'list', '-i', '/dev/zero'], { stateDir: dir }), /\/dev\/zero: .*MiB/);
  });

  it('run -e @file with an alias bomb', async () => {
    const vars = file('vars.yaml', aliasBomb(''));
    expectInputError(await runDrydock(['run', 'all', '-i', hosts, '-e', `@${vars}`, '--', 'true'], { stateDir: dir }), /vars\.yaml:\d+:\d+: /);
  });
});
