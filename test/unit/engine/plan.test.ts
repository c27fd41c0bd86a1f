import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import { applyLimit } from '../../../src/inventory/index.js';
import type { RunPlanPorts } from '../../../src/run/plan.js';
import type { ConnectionSpec } from '../../../src/transport/types.js';
import { formatHostList, formatTaskList, planPlaybook } from '../../../src/engine/plan.js';
import { parseFacts } from '../../../src/engine/facts.js';
import { matchesStartAt, shouldRunByTags } from '../../../src/engine/tags.js';
import { FAKE_MODULES, hostsNamed, inventory, loadFromText } from './harness.js';
import { offlinePlanPorts } from '../../helpers/plan-ports.js';

function ports(inv = inventory({ web: hostsNamed('w', 5), db: ['d1', 'd2'] }), badHosts: string[] = []): RunPlanPorts {
  return offlinePlanPorts({
    loadInventory: async () => inv,
    applyLimit: (i, hosts, limit) => applyLimit(i, hosts, limit, () => ['w2', 'd1']),
    resolveSpec: (input) => {
      if (badHosts.includes(input.name)) throw new ConfigError({ file: 'inv', line: 3, message: `${input.name}: ansible_port must be a number` });
      return { name: input.name, proxyJump: [] } as unknown as ConnectionSpec;
    },
  });
}

const request = { inventory: ['inv'], extraVars: {}, forks: 5, cli: {} };

describe('engine: planning before any host is contacted', () => {
  it("resolves each play's hosts through its pattern, then --limit (with @file)", async () => {
    const pb = await loadFromText(`\n- hosts: web\n  tasks: [{ command: x }]\n- hosts: "{{ target }}"\n  vars: { target: db }\n  tasks: [{ command: y }]\n`);
    const plan = await planPlaybook(pb, FAKE_MODULES, request, ports());
    expect(plan.playHosts).to.deep.equal([hostsNamed('w', 5), ['d1', 'd2']]);
    const limited = await planPlaybook(pb, FAKE_MODULES, { ...request, limit: '@retry' }, ports());
    expect(limited.playHosts).to.deep.equal([['w2'], ['d1']]);
    expect([...limited.specs.keys()]).to.deep.equal(['w2', 'd1']);
    const nothing = await planPlaybook(pb, FAKE_MODULES, { ...request, limit: 'nosuchhost' }, ports()).catch((e: unknown) => e);
    expect(String(nothing)).to.contain('leaves no host to run on');
  });

  it('reports every connection problem at once, and refuses features it would otherwise ignore', async () => {
    const pb = await loadFromText(`\n- hosts: all\n  tasks: [{ command: x }]\n`);
    const err = await planPlaybook(pb, FAKE_MODULES, request, ports(undefined, ['w1', 'd2'])).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.message)).to.deep.equal(['w1: ansible_port must be a number', 'd2: ansible_port must be a number']);

    const unsupported = await loadFromText(`\n- hosts: all\n  remote_user: admin\n  tasks:\n    - command: x\n      become_method: su\n    - wait_for: { port: 22 }\n      remote_user: other\n`);
    const refused = await planPlaybook(unsupported, FAKE_MODULES, request, ports()).catch((e: unknown) => e);
    const messages = (refused as ConfigError).issues.map((i) => `${i.line}: ${i.message}`);
    expect(messages).to.have.length(3);
    expect(messages[0]).to.match(/^5: become_method 'su'/);
    expect(messages[1]).to.match(/^7: module 'wait_for' is known but has no implementation/);
    expect(messages[2]).to.match(/^7: remote_user 'other' differs from the play's \('admin'\): drydock reaches each host over one connection/);
  });

  it('remote_user: the login user of hosts without ansible_user (the variable wins, as in Ansible), above -u', async () => {
    const users = new Map<string, string | undefined>();
    const inv = inventory({ web: ['w1', 'w2'] });
    inv.hosts.get('w2')!.vars['ansible_user'] = 'inventory-user';
    const userPorts = offlinePlanPorts({
      loadInventory: async () => inv,
      resolveSpec: (input) => {
        users.set(input.name, input.cli?.user);
        return { name: input.name, proxyJump: [] } as unknown as ConnectionSpec;
      },
    });
    const pb = await loadFromText(`\n- hosts: web\n  remote_user: admin\n  tasks:\n    - command: x\n      remote_user: admin\n`);
    await planPlaybook(pb, FAKE_MODULES, { ...request, cli: { user: 'from-u' } }, userPorts);
    expect(users.get('w1')).to.equal('admin');
    expect(users.get('w2')).to.equal('from-u'); // resolve then lets ansible_user win over -u, as before
    const twoUsers = await loadFromText(`\n- hosts: web\n  remote_user: admin\n  tasks: [{ command: x }]\n- hosts: w1\n  remote_user: other\n  tasks: [{ command: y }]\n`);
    const err = await planPlaybook(twoUsers, FAKE_MODULES, request, userPorts).catch((e: unknown) => e);
    expect((err as ConfigError).issues.map((i) => `${i.line}: ${i.message}`)).to.deep.equal([
      "5: host w1: remote_user 'other' here but 'admin' at site.yml:2: drydock reaches each host over one connection as one user for the whole run; run these plays separately",
    ]);
  });

  it('checks literal delegate_to targets against the inventory and resolves them up front', async () => {
    const pb = await loadFromText(`\n- hosts: web\n  tasks:\n    - { command: x, delegate_to: d1 }\n    - { command: y, delegate_to: localhost }\n    - { command: z, delegate_to: "{{ peer }}" }\n`);
    const plan = await planPlaybook(pb, FAKE_MODULES, { ...request, limit: 'w1' }, ports());
    expect([...plan.specs.keys()]).to.deep.equal(['w1', 'd1']);
    expect(() => plan.resolveSpec('elsewhere.example')).to.throw(ConfigError, /not a host of the inventory/);
    const typo = await loadFromText(`\n- hosts: web\n  tasks:\n    - { command: x, delegate_to: dl }\n`);
    const err = await planPlaybook(typo, FAKE_MODULES, request, ports()).catch((e: unknown) => e);
    expect((err as ConfigError).issues.map((i) => `${i.line}: ${i.message}`)).to.deep.equal(["4: delegate_to: 'dl' is not a host of the inventory (use localhost for the controller)"]);
  });

  it('--list-hosts shows the batches; --list-tasks the tasks the tags select', async () => {
    const pb = await loadFromText(`\n- name: Roll\n  hosts: web\n  serial: [1, "50%"]\n  tasks:\n    - { name: drain, command: x, tags: [drain] }\n    - { name: upgrade, command: y }\n`);
    const plan = await planPlaybook(pb, FAKE_MODULES, request, ports());
    const hosts = formatHostList(pb, plan.playHosts, {});
    expect(hosts).to.contain('hosts (5) in 3 batch(es):');
    expect(hosts).to.contain('batch 1 (1): w1\n');
    expect(hosts).to.contain('batch 2 (2): w2, w3\n');
    expect(hosts).to.contain('batch 3 (2): w4, w5\n');
    const tasks = formatTaskList(pb, { only: ['drain'], skip: [] });
    expect(tasks).to.contain('drain\tTAGS: [drain]');
    expect(tasks).not.to.contain('upgrade');
  });
});

describe('engine: tags, start-at-task and fact parsing', () => {
  it("evaluates tags as Ansible's evaluate_tags", () => {
    const sel = (only: string[], skip: string[] = []) => ({ only, skip });
    expect(shouldRunByTags([], sel([]))).to.equal(true);
    expect(shouldRunByTags(['never'], sel([]))).to.equal(false);
    expect(shouldRunByTags(['never'], sel(['never']))).to.equal(true);
    expect(shouldRunByTags(['always'], sel(['x']))).to.equal(true);
    expect(shouldRunByTags(['always'], sel([], ['all']))).to.equal(true);
    expect(shouldRunByTags(['always'], sel([], ['always']))).to.equal(false);
    expect(shouldRunByTags(['a'], sel(['tagged']))).to.equal(true);
    expect(shouldRunByTags([], sel(['tagged']))).to.equal(false);
    expect(shouldRunByTags(['a'], sel([], ['tagged']))).to.equal(false);
    expect(shouldRunByTags(['a', 'b'], sel(['b'], ['a']))).to.equal(false);
  });

  it('matches --start-at-task by name or glob', () => {
    expect(matchesStartAt('Upgrade kubelet', 'Upgrade kubelet')).to.equal(true);
    expect(matchesStartAt('Upgrade kubelet', 'Upgrade*')).to.equal(true);
    expect(matchesStartAt('Upgrade kubelet', 'Upgrade')).to.equal(false);
    expect(matchesStartAt(undefined, 'x')).to.equal(false);
  });

  it('parses the one-round-trip fact script output', () => {
    const { facts, classic } = parseFacts('hostname=n1\nkernel=6.8.0-45-generic\narchitecture=aarch64\nsystem=Linux\nos_id=ubuntu\nos_version=24.04\nos_codename=noble\nos_like=debian\npkg_mgr=apt-get\nboot_id=b-1\nuptime=99.9\n');
    expect(facts).to.include({ distribution: 'Ubuntu', distribution_version: '24.04', distribution_major_version: '24', distribution_release: 'noble', os_family: 'Debian', pkg_mgr: 'apt', uptime_seconds: 99, architecture: 'aarch64' });
    expect(classic).to.include({ ansible_hostname: 'n1', ansible_distribution: 'Ubuntu', ansible_kernel: '6.8.0-45-generic', drydock_boot_id: 'b-1' });
  });
});
