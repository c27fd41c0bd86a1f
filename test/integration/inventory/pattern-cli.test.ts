/**
 * Issue 15 item 3 through the real CLI: a pattern that does not parse, or a misspelt exclusion, ends with exit
 * 1 before any host is contacted. Ansible would drop the stray "[" or warn "Could not match supplied host
 * pattern, ignoring" and run; the hosts here are a loopback listener that counts every connection made to it.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrydock } from '../../helpers/cli.js';

describe('drydock run: host patterns never widen the selection', function () {
  this.timeout(60_000);
  let dir: string;
  const servers: Server[] = [];
  let inventory: string;
  let key: string;
  /** Connections made to each host's listener: cp1, web1, web2. */
  let connections = [0, 0, 0];
  const sockets = new Set<Socket>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-pattern-'));
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) {
      const server = createServer((socket) => {
        connections[i]!++;
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.end();
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      servers.push(server);
      ports.push((server.address() as { port: number }).port);
    }
    key = join(dir, 'id_ed25519');
    expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]).status).to.equal(0);
    inventory = join(dir, 'hosts.ini');
    writeFileSync(
      inventory,
      `[control_plane]\ncp1 ansible_host=127.0.0.1 ansible_port=${ports[0]}\n[web]\nweb1 ansible_host=127.0.0.1 ansible_port=${ports[1]}\nweb2 ansible_host=127.0.0.1 ansible_port=${ports[2]}\n`,
    );
  });
  beforeEach(() => {
    connections = [0, 0, 0];
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    for (const server of servers) await new Promise((done) => server.close(done));
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (pattern: string, ...extra: string[]) =>
    runDrydock(['run', pattern, '-i', inventory, '--host-key-checking', 'off', '--private-key', key, ...extra, '--', 'true'], { stateDir: dir });

  for (const [pattern, limit] of [['~[unclosed'], ['all', 'web[0'], ['web[z-a]'], ['all:!control_plnae'], ['all', 'all:!control_plnae'], ['web:&stagin']] as const) {
    it(`refuses ${limit ? `--limit '${limit}'` : `'${pattern}'`} with exit 1, no stack trace and no connection`, async () => {
      const res = await run(pattern, ...(limit ? ['--limit', limit] : []));
      expect(res.code, res.stderr).to.equal(1);
      expect(res.stderr).to.not.match(/internal error|\n\s+at /);
      expect(connections).to.deep.equal([0, 0, 0]);
    });
  }

  it('runs a misspelt exclusion under --allow-unmatched, contacting the hosts it names', async () => {
    const res = await run('all:!control_plnae', '--allow-unmatched');
    // The listener is no sshd: every host is unreachable (4), but all three, the control plane too, were contacted.
    expect(res.code, res.stderr + res.stdout).to.equal(4);
    expect(connections.every((n) => n > 0), String(connections)).to.equal(true);
    expect(res.stderr + res.stdout).to.include('control_plnae');
  });
});
