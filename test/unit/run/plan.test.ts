import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import type { Inventory, InventoryHost, Vars } from '../../../src/inventory/types.js';
import { NO_HOSTS_MATCHED, planRun, type RunPlanPorts, type RunPlanRequest } from '../../../src/run/plan.js';
import { resolveConnectionSpec } from '../../../src/transport/resolve.js';
import { emptySshConfig } from '../../../src/transport/ssh-config.js';
import type { ConnectionSpec } from '../../../src/transport/types.js';

function inventory(names: string[], vars: Record<string, Vars> = {}): Inventory {
  const hosts = new Map<string, InventoryHost>(names.map((n) => [n, { name: n, vars: vars[n] ?? {}, groups: [], source: { file: 'inv.yml', line: names.indexOf(n) + 2 } }]));
  return { sources: ['inv.yml'], hosts, groups: new Map() };
}

function specFor(name: string, vars: Vars, jump: string[] = []): ConnectionSpec {
  const hop = (h: string): ConnectionSpec => specFor(h, {});
  return {
    name, hostname: String(vars.ansible_host ?? name), port: 22, user: 'root', identityFiles: [], identitiesOnly: false,
    proxyJump: jump.map(hop), userKnownHostsFiles: [], globalKnownHostsFiles: [], hostKeyPolicy: 'strict',
    connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000, keepaliveCountMax: 3, become: { enabled: false, user: 'root', method: 'sudo' },
  };
}

function ports(inv: Inventory, over: Partial<RunPlanPorts> = {}): RunPlanPorts & { connects: number } {
  return {
    connects: 0,
    loadInventory: async () => inv,
    resolvePattern: (i, p) => (p === 'all' ? [...i.hosts.keys()] : [...i.hosts.keys()].filter((h) => h.startsWith(p))),
    applyLimit: (_i, hosts, limit) => hosts.filter((h) => h.includes(limit)),
    hostVars: (i, h, extra) => ({ ...i.hosts.get(h)!.vars, ...extra }),
    loadSshConfig: async () => emptySshConfig(),
    resolveSpec: (input) => {
      const jump = input.vars.jump ? [String(input.vars.jump)] : [];
      return specFor(input.name, input.vars, jump);
    },
    fileExists: () => true,
    openFileLimit: () => ({ soft: 1024, hard: 4096 }),
    ...over,
  };
}

const request = (over: Partial<RunPlanRequest> = {}): RunPlanRequest => ({ pattern: 'all', inventory: ['inv.yml'], extraVars: {}, forks: 20, cli: {}, ...over });

describe('run plan', () => {
  it('resolves the pattern, applies the limit, passes extra vars, and keeps inventory order', async () => {
    const inv = inventory(['web1', 'web2', 'db1'], { web2: { ansible_host: '10.0.0.2' } });
    const plan = await planRun(request({ pattern: 'web', limit: '2', extraVars: { x: '1' } }), ports(inv));
    expect(plan.targets.map((t) => t.name)).to.deep.equal(['web2']);
    expect(plan.targets[0]!.spec.hostname).to.equal('10.0.0.2');
    expect(plan.warnings).to.deep.equal([]);
  });

  it('an empty match is a warning, not an error', async () => {
    const plan = await planRun(request({ pattern: 'nothing' }), ports(inventory(['web1'])));
    expect(plan.targets).to.deep.equal([]);
    expect(plan.warnings).to.deep.equal([NO_HOSTS_MATCHED]);
  });

  it('gathers every host\'s connection problems into one ConfigError', async () => {
    const inv = inventory(['a', 'b', 'c']);
    const p = ports(inv, {
      resolveSpec: (input) => {
        if (input.name !== 'b') throw new ConfigError({ file: 'inv.yml', line: 3, message: `${input.name}: bad port` });
        return specFor(input.name, {});
      },
    });
    const err = await planRun(request(), p).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.message)).to.deep.equal(['a: bad port', 'c: bad port']);
  });

  it('refuses a missing -F file before reading anything', async () => {
    const err = await planRun(request({ sshConfigFile: '/nope' }), ports(inventory(['a']), { fileExists: () => false })).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).message).to.contain('/nope');
  });

  it('checks the fd budget against min(forks, hosts) and counts bastions', async () => {
    const names = Array.from({ length: 600 }, (_, i) => `h${i}`);
    const vars = Object.fromEntries(names.map((n) => [n, { jump: 'bastion' }]));
    const inv = inventory(names, vars);
    const ok = await planRun(request({ forks: 20 }), ports(inv));
    expect(ok.bastions).to.equal(1);
    const err = await planRun(request({ forks: 600 }), ports(inv)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).message).to.contain('ulimit -n');
  });

  it('warns of an ignored ssh option once per run, naming the hosts (not one line per host)', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `n${i + 1}`);
    const vars = Object.fromEntries(names.map((n) => [n, { ansible_ssh_common_args: '-o Compression=yes -o BatchMode=yes -o ControlPersist=60s' }]));
    const p = ports(inventory(names, vars), { resolveSpec: (input) => resolveConnectionSpec({ ...input, env: { home: '/nonexistent', localUser: 'ops', fileExists: () => false } }) });
    const plan = await planRun(request(), p);
    expect(plan.warnings).to.deep.equal(['ansible_ssh_common_args: ssh option Compression is ignored by drydock (1000 hosts: n1, n2, n3, n4, n5 and 995 more)']);
  });

  it('collects resolver warnings per host', async () => {
    const p = ports(inventory(['a']), {
      resolveSpec: (input) => {
        input.onWarning?.('ignoring ssh option -C');
        return specFor(input.name, {});
      },
    });
    expect((await planRun(request(), p)).warnings).to.deep.equal(['a: ignoring ssh option -C']);
  });
});
