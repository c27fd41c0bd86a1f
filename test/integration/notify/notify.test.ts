/**
 * `--notify` through the real CLI on the loopback sshd fleet, posting to HTTP receivers on 127.0.0.1 (node:http):
 * start, each failure and the end arrive in order with the run's data; a 500 is tried again; a receiver that
 * never answers (and one that refuses) ends as a warning, the exit code unchanged and the run held up at most
 * the drain bound; neither a no_log value nor a `-e password=` value is in any body, and the webhook's path is
 * in no journal and no output.
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDrydock } from '../../helpers/cli.js';
import { startFleet, type Fleet } from '../../helpers/fleet.js';

interface Receiver {
  url: string;
  /** Every request's body, parsed, in arrival order (retries included). */
  requests: Array<Record<string, any>>;
  close(): Promise<void>;
}

/** answer(n): the status for the n-th request (1-based), or 'hang' to never answer. */
async function receiver(path: string, answer: (n: number) => number | 'hang' = () => 200): Promise<Receiver> {
  const requests: Array<Record<string, any>> = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      expect(req.method).to.equal('POST');
      expect(req.url).to.equal(path);
      expect(req.headers['content-type']).to.equal('application/json');
      requests.push(JSON.parse(body));
      const status = answer(requests.length);
      if (status === 'hang') hanging.push(res);
      else res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('--notify (loopback fleet, local HTTP receivers)', function () {
  this.timeout(180_000);
  let fleet: Fleet | undefined;
  let dir: string;
  const receivers: Receiver[] = [];
  const NO_LOG_VALUE = 'n0log-v4lue-7731';
  const PASSWORD = 'hunter2-pw-9920';
  const TOKEN_PATH = '/services/T0/B0/tok3n-in-path';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-notify-'));
    fleet = await startFleet({ hosts: 3, firstAddress: '127.0.116.1' });
  });
  after(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await fleet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const track = async (path: string, answer?: (n: number) => number | 'hang'): Promise<Receiver> => {
    const r = await receiver(path, answer);
    receivers.push(r);
    return r;
  };

  const okPlaybook = (): string => {
    const playbook = join(dir, 'ok.yml');
    writeFileSync(playbook, `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: one\n      command: 'true'\n`);
    return playbook;
  };

  it('posts start, each failure and the end in order; no secret in any body, nor the URL in the journal', async () => {
    const [a, b, c] = fleet!.hosts.map((h) => h.name);
    const playbook = join(dir, 'failing.yml');
    writeFileSync(
      playbook,
      `- hosts: all
  gather_facts: false
  vars:
    hidden_value: ${NO_LOG_VALUE}
  tasks:
    - name: first
      command: 'true'
    - name: hidden
      fail:
        msg: "the hidden value is {{ hidden_value }}"
      no_log: true
      when: inventory_hostname == '${a}'
    - name: login
      fail:
        msg: "login refused for {{ password }}"
      when: inventory_hostname == '${b}'
    - name: last
      command: 'true'
`,
    );
    const hook = await track(TOKEN_PATH);
    const state = join(dir, 'state-1');
    const log = join(dir, 'run-1.log');
    const result = await runDrydock(['play', playbook, '-i', fleet!.inventoryFile, '-e', `password=${PASSWORD}`, '--log-file', log, '--notify', hook.url], { stateDir: state });
    expect(result.code, result.stdout + result.stderr).to.equal(2);
    const runId = /run id: ([0-9a-f-]{36})/.exec(result.stdout)?.[1];

    const bodies = hook.requests;
    expect(bodies.map((x) => [x['seq'], x['kind'], x['failure']?.host ?? null])).to.deep.equal([
      [1, 'run.start', null],
      [2, 'run.failure', a],
      [3, 'run.failure', b],
      [4, 'run.end', null],
    ]);
    for (const x of bodies) {
      expect(x['runId']).to.equal(runId);
      expect(x['hosts']).to.have.members([a, b, c]);
      expect(x['by']).to.match(/^.+@.+$/);
      expect(x['command']).to.contain('password=[REDACTED]').and.match(/--notify '?http:\/\/127\.0\.0\.1:\d+\/…/);
      expect(x['text']).to.be.a('string').and.not.equal('');
    }
    expect(bodies[1]!['failure']).to.include({ status: 'failed', task: 'hidden' });
    expect(bodies[2]!['failure']).to.include({ status: 'failed', task: 'login' });
    expect(bodies[3]).to.deep.include({ outcome: 'failed', exitCode: 2 });
    expect(bodies[3]!['recap']['hosts']).to.deep.equal({ done: 1, failed: 2 });
    expect(bodies[3]!['failedHosts'].map((f: { host: string }) => f.host)).to.deep.equal([a, b]);

    const everything = JSON.stringify(bodies);
    expect(everything).not.to.contain(NO_LOG_VALUE);
    expect(everything).not.to.contain(PASSWORD);
    expect(everything).not.to.contain(TOKEN_PATH);
    // The webhook's path is a secret too: not in the journal, the log or the output.
    const leaks = [...filesUnder(state), log].filter((f) => readFileSync(f, 'utf8').includes(TOKEN_PATH));
    expect(leaks).to.deep.equal([]);
    expect(result.stdout + result.stderr).not.to.contain(TOKEN_PATH);
  });

  it('a receiver that answers 500 gets the post again; the run succeeds as it would without it', async () => {
    const playbook = okPlaybook();
    const hook = await track('/flaky', (n) => (n === 1 ? 500 : 200));
    const result = await runDrydock(['play', playbook, '-i', fleet!.inventoryFile, '--notify', hook.url], { stateDir: join(dir, 'state-2') });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(hook.requests.map((x) => `${x['seq']}:${x['kind']}`)).to.deep.equal(['1:run.start', '1:run.start', '2:run.end']);
    expect(hook.requests[2]).to.deep.include({ outcome: 'ok', exitCode: 0 });
    expect(result.stderr + result.stdout).not.to.contain('notify:');
  });

  it('a receiver that never answers and one that refuses: warnings, the exit code unchanged, the run held up at most the bound', async () => {
    const playbook = okPlaybook();
    const hanging = await track('/hang/tok3n-hang', () => 'hang');
    const closed = await track('/closed/tok3n-closed');
    await closed.close();
    const started = Date.now();
    const result = await runDrydock(['play', playbook, '-i', fleet!.inventoryFile, '--notify', hanging.url, '--notify', closed.url], { stateDir: join(dir, 'state-3') });
    const elapsed = Date.now() - started;
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    // A few seconds for the run itself, then at most the 10 s drain bound.
    expect(elapsed).to.be.below(25_000);
    expect(hanging.requests.length).to.be.at.least(1);
    expect(hanging.requests[0]!['kind']).to.equal('run.start');
    const out = result.stdout + result.stderr;
    expect(out).to.match(/notify: \d+ notification\(s\) to http:\/\/127\.0\.0\.1:\d+\/… not sent within 10 s/);
    expect(out).to.match(/notify: a notification to http:\/\/127\.0\.0\.1:\d+\/… was not delivered \(3 tries: .*ECONNREFUSED/);
    expect(out).not.to.contain('tok3n');
  });
});
