import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import { groupDepths, groupHosts, groupsOf, hostVars, magicVars } from '../../../src/inventory/index.js';
import type { Inventory, InventoryGroup } from '../../../src/inventory/types.js';
import { loadMemory } from './helpers.js';

const LAYERED = `
all:
  vars: {v: all, only_all: 1}
  children:
    region:
      vars: {v: region}
      children:
        zone:
          vars: {v: zone}
          hosts:
            h1:
            h2: {v: host}
`;

describe('inventory/vars', () => {
  it('merges all < parent < child < host', async () => {
    const inv = await loadMemory({ 'i.yml': LAYERED });
    expect(hostVars(inv, 'h1')).to.include({ v: 'zone', only_all: 1 });
    expect(hostVars(inv, 'h2')).to.include({ v: 'host' });
  });

  it('lets extra vars win over everything', async () => {
    const inv = await loadMemory({ 'i.yml': LAYERED });
    expect(hostVars(inv, 'h2', { v: 'extra', inventory_hostname: 'x' })).to.include({ v: 'extra', inventory_hostname: 'x' });
  });

  it('merges same-depth groups in ASCII name order, later wins', async () => {
    const inv = await loadMemory({ 'i.ini': '[b]\nh1\n[a]\nh1\n[B]\nh1\n[a:vars]\nv=a\n[b:vars]\nv=b\n[B:vars]\nv=B\nw=B\n' });
    expect(groupsOf(inv, 'h1')).to.deep.equal(['all', 'B', 'a', 'b']);
    expect(hostVars(inv, 'h1')).to.include({ v: 'b', w: 'B' });
  });

  it('orders by depth before name: a deeper group wins even if its name sorts first', async () => {
    const inv = await loadMemory({ 'i.ini': '[zz:children]\naa\n[aa]\nh1\n[zz:vars]\nv=zz\n[aa:vars]\nv=aa\n' });
    expect(groupDepths(inv).get('aa')).to.equal(2);
    expect(hostVars(inv, 'h1')).to.include({ v: 'aa' });
  });

  it('uses the longest path from all as the depth', async () => {
    const inv = await loadMemory({ 'i.ini': '[top:children]\nmid\n[mid:children]\nleaf\n[other:children]\nleaf\n[leaf]\nh1\n' });
    const depths = groupDepths(inv);
    expect([depths.get('all'), depths.get('top'), depths.get('mid'), depths.get('other'), depths.get('leaf')]).to.deep.equal([0, 1, 2, 1, 3]);
  });

  it('reorders same-depth groups by ansible_group_priority (higher wins) and keeps it out of the vars', async () => {
    const inv = await loadMemory({ 'i.ini': '[a]\nh1\n[b]\nh1\n[a:vars]\nv=a\nansible_group_priority=10\n[b:vars]\nv=b\n' });
    expect(groupsOf(inv, 'h1')).to.deep.equal(['all', 'b', 'a']);
    const vars = hostVars(inv, 'h1');
    expect(vars).to.include({ v: 'a' });
    expect(vars).to.not.have.property('ansible_group_priority');
  });

  it('rejects a non-integer ansible_group_priority', async () => {
    let caught: unknown;
    await loadMemory({ 'i.yml': 'all:\n  children:\n    a:\n      vars:\n        ansible_group_priority: high\n' }).catch((e: unknown) => (caught = e));
    expect(caught).to.be.instanceOf(ConfigError);
    expect((caught as ConfigError).issues[0]).to.include({ line: 5, col: 9 });
  });

  it('puts group_vars files above every inventory-source group var, as Ansible does', async () => {
    // Ansible: inventory file group vars < inventory group_vars/all < inventory group_vars/* < host vars.
    const inv = await loadMemory({
      'hosts.ini': '[web]\nw1\n[web:vars]\nv=ini-web\nu=ini-web\n',
      'group_vars/all.yml': 'v: file-all\nu: file-all\n',
      'group_vars/web.yml': 'u: file-web\n',
      'host_vars/w1.yml': 'h: file-host\n',
    });
    expect(hostVars(inv, 'w1')).to.include({ v: 'file-all', u: 'file-web', h: 'file-host' });
  });

  it('puts host_vars files above inventory host vars', async () => {
    const inv = await loadMemory({ 'hosts.ini': 'w1 v=inline k=keep\n', 'host_vars/w1.yml': 'v: file\n' });
    expect(hostVars(inv, 'w1')).to.include({ v: 'file', k: 'keep' });
  });

  it('exposes magic vars; group_names is sorted and leaves out all (but not ungrouped, like Ansible)', async () => {
    const inv = await loadMemory({ 'i.ini': 'solo\n[web]\nweb1.example.com\n[prod:children]\nweb\n[b]\nweb1.example.com\n' });
    expect(magicVars(inv, 'web1.example.com')).to.deep.equal({
      inventory_hostname: 'web1.example.com',
      inventory_hostname_short: 'web1',
      group_names: ['b', 'prod', 'web'],
    });
    expect(hostVars(inv, 'solo')).to.deep.include({ group_names: ['ungrouped'] });
    expect(hostVars(inv, 'solo', {}, { magic: false })).to.deep.equal({});
  });

  it('keeps an IP address whole in inventory_hostname_short', async () => {
    const inv = await loadMemory({ 'i.ini': '10.0.0.1\n' });
    expect(magicVars(inv, '10.0.0.1')).to.include({ inventory_hostname_short: '10.0.0.1' });
  });

  it("lists a group and its descendants in Ansible's order (children in the order the group lists them)", async () => {
    // test/fixtures/ansible/host-order/children-first.ini: ansible-playbook runs h2, h3, h1.
    const inv = await loadMemory({ 'i.ini': '[b]\nh3\nh1\n[a]\nh2\n[p:children]\na\nb\n' });
    expect([...inv.hosts.keys()]).to.deep.equal(['h3', 'h1', 'h2']);
    expect(groupHosts(inv, 'p')).to.deep.equal(['h2', 'h3', 'h1']);
    expect(groupHosts(inv, 'all')).to.deep.equal(['h2', 'h3', 'h1']);
    expect(() => groupHosts(inv, 'nope')).to.throw(ConfigError, 'no group named "nope"');
  });

  it('names an unknown host', async () => {
    const inv = await loadMemory({ 'i.ini': 'h1\n' });
    expect(() => hostVars(inv, 'h9')).to.throw(ConfigError, 'no host named "h9"');
  });

  it('works on a hand-built inventory without variable layers', () => {
    const group = (name: string, parents: string[], hosts: string[], vars = {}): InventoryGroup => ({
      name, parents, hosts, children: [], vars,
    });
    const inv: Inventory = {
      sources: [],
      hosts: new Map([['h', { name: 'h', vars: { own: 1 }, groups: ['all', 'g'] }]]),
      groups: new Map([
        ['all', { ...group('all', [], ['h'], { v: 'all' }), children: ['g'] }],
        ['g', group('g', ['all'], ['h'], { v: 'g', ansible_group_priority: 3 })],
      ]),
    };
    expect(hostVars(inv, 'h', {}, { magic: false })).to.deep.equal({ v: 'g', own: 1 });
  });
});
