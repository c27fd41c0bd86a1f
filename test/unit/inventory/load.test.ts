import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import { groupHosts, hostVars, isYamlInventory, loadInventory } from '../../../src/inventory/index.js';
import { loadIssues, loadMemory } from './helpers.js';

describe('inventory/load', () => {
  it('reads a comma-separated host list, with ports and ranges, as ungrouped hosts', async () => {
    const inv = await loadInventory(['h1, h2:2222 ,w[1:2],']);
    expect([...inv.hosts.keys()]).to.deep.equal(['h1', 'h2', 'w1', 'w2']);
    expect(inv.groups.get('ungrouped')!.hosts).to.deep.equal(['h1', 'h2', 'w1', 'w2']);
    expect(inv.hosts.get('h2')!.vars).to.deep.equal({ ansible_port: 2222 });
    expect(inv.sources).to.deep.equal([]);
  });

  it('reports a missing inventory file by path, with the other problems', async () => {
    const issues = await loadIssues({ 'ok.ini': '[g]\nh[3:1]\n' }, ['missing.ini', 'ok.ini']);
    expect(issues).to.deep.equal([
      { file: 'missing.ini', message: 'inventory source not found (no such file or directory)' },
      { file: 'ok.ini', line: 2, col: 1, message: 'host range "[3:1]" in "h[3:1]" runs backwards (3 > 1)' },
    ]);
  });

  it('refuses an empty source list', async () => {
    let caught: unknown;
    await loadInventory([]).catch((err: unknown) => (caught = err));
    expect(caught).to.be.instanceOf(ConfigError);
    expect((caught as Error).message).to.contain('no inventory given');
  });

  it('merges several sources in command-line order (later group vars win)', async () => {
    const inv = await loadMemory(
      { 'a.ini': '[web]\nw1\n[web:vars]\nx=a\ny=a\n', 'b.yml': 'all:\n  children:\n    web:\n      hosts:\n        w2:\n      vars:\n        x: b\n' },
      ['a.ini', 'b.yml'],
    );
    expect(inv.sources).to.deep.equal(['a.ini', 'b.yml']);
    expect(inv.groups.get('web')!.hosts).to.deep.equal(['w1', 'w2']);
    expect(inv.groups.get('web')!.vars).to.deep.equal({ x: 'b', y: 'a' });
  });

  it('lets a later INI source add vars to a group from an earlier source', async () => {
    const inv = await loadMemory({ 'a.ini': '[web]\nw1\n', 'b.ini': '[web:vars]\nx=1\n' }, ['a.ini', 'b.ini']);
    expect(inv.groups.get('web')!.vars).to.deep.equal({ x: 1 });
  });

  it('reads a directory of sources in ASCII order, skipping ignored names and recursing', async () => {
    const inv = await loadMemory(
      {
        'inv/b.yml': 'all:\n  hosts:\n    from-b:\n',
        'inv/A.ini': 'from-A\n',
        'inv/a.ini': 'from-a\n',
        'inv/README.md': 'not an inventory\n',
        'inv/old.ini~': 'junk\n',
        'inv/.hidden': 'junk\n',
        'inv/sub/z.ini': 'from-sub\n',
        'inv/group_vars/all.yml': 'x: 1\n',
      },
      ['inv'],
    );
    expect([...inv.hosts.keys()]).to.deep.equal(['from-A', 'from-a', 'from-b', 'from-sub']);
    expect(inv.sources).to.deep.equal(['inv/A.ini', 'inv/a.ini', 'inv/b.yml', 'inv/sub/z.ini']);
    expect(inv.groups.get('all')!.vars).to.deep.equal({ x: 1 });
  });

  it('detects the format of files without a known extension', () => {
    expect(isYamlInventory('hosts', '# c\nall:\n  hosts: {}\n')).to.equal(true);
    expect(isYamlInventory('hosts', '---\nall:\n')).to.equal(true);
    expect(isYamlInventory('hosts', '[web]\nw1\n')).to.equal(false);
    expect(isYamlInventory('hosts', 'w1 ansible_host=1.2.3.4\n')).to.equal(false);
    expect(isYamlInventory('hosts.ini', 'all:\n')).to.equal(false);
    expect(isYamlInventory('x.json', '{"all": {}}')).to.equal(true);
  });

  it('reads group_vars and host_vars files (name, .yml, .yaml, .json) beside the inventory', async () => {
    const inv = await loadMemory({
      'site/hosts.ini': '[web]\nw1 x=inline\n[db]\nd1\n[web:vars]\nfrom_ini=1\n',
      'site/group_vars/all': 'everyone: true\n',
      'site/group_vars/web.yaml': 'role: web\nfrom_ini: file\n',
      'site/group_vars/db.json': '{"role": "db"}',
      'site/host_vars/w1.yml': 'x: file\n',
    });
    expect(inv.groups.get('all')!.vars).to.deep.equal({ everyone: true });
    expect(inv.groups.get('web')!.vars).to.deep.equal({ from_ini: 'file', role: 'web' });
    expect(inv.groups.get('db')!.vars).to.deep.equal({ role: 'db' });
    expect(inv.hosts.get('w1')!.vars).to.deep.equal({ x: 'file' });
    expect(inv.warnings).to.deep.equal([]);
  });

  it('reads a group_vars directory: files in lexicographic order, subdirectories, no hidden or backup files', async () => {
    const inv = await loadMemory({
      'hosts.yml': 'all:\n  children:\n    web:\n      hosts:\n        w1:\n',
      'group_vars/web/10-base.yml': 'a: base\nb: base\n',
      'group_vars/web/20-site.yml': 'b: site\n',
      'group_vars/web/30/x.yml': 'c: nested\n',
      'group_vars/web/.hidden.yml': 'a: hidden\n',
      'group_vars/web/99.yml~': 'a: backup\n',
      'group_vars/web/notes.txt': 'a: notes\n',
      'host_vars/w1/main.yml': 'h: 1\n',
    });
    expect(inv.groups.get('web')!.vars).to.deep.equal({ a: 'base', b: 'site', c: 'nested' });
    expect(inv.hosts.get('w1')!.vars).to.deep.equal({ h: 1 });
  });

  it('prefers group_vars/<name> over <name>.yml as Ansible does, and warns about the ignored one', async () => {
    const inv = await loadMemory({
      'hosts.ini': '[web]\nw1\n',
      'group_vars/web/main.yml': 'from: dir\n',
      'group_vars/web.yml': 'from: file\n',
    });
    expect(inv.groups.get('web')!.vars).to.deep.equal({ from: 'dir' });
    expect(inv.warnings).to.deep.equal([{ file: 'group_vars/web.yml', message: 'ignored: group_vars/web takes precedence for group "web"' }]);
  });

  it('warns (does not fail) about group_vars and host_vars for unknown groups and hosts', async () => {
    const inv = await loadMemory({
      'hosts.ini': '[web]\nw1\n',
      'group_vars/wbe.yml': 'x: 1\n',
      'host_vars/w2.yml': 'x: 1\n',
    });
    expect(inv.warnings).to.deep.equal([
      { file: 'group_vars/wbe.yml', message: 'no group named "wbe" in the inventory; these variables are not used' },
      { file: 'host_vars/w2.yml', message: 'no host named "w2" in the inventory; these variables are not used' },
    ]);
  });

  it('ignores ansible_group_priority in group_vars files with a warning', async () => {
    const inv = await loadMemory({ 'hosts.ini': '[web]\nw1\n', 'group_vars/web.yml': 'ansible_group_priority: 5\nx: 1\n' });
    expect(inv.groups.get('web')!.vars).to.deep.equal({ x: 1 });
    expect(inv.warnings[0]!.message).to.contain('only honoured in the inventory source');
  });

  it('reports bad vars files with positions', async () => {
    const issues = await loadIssues({
      'hosts.ini': '[web]\nw1\n[db]\nd1\n',
      'group_vars/web.yml': '- a\n- b\n',
      'group_vars/db.yml': 'x: [1\n',
    });
    expect(issues.map((i) => `${i.file}:${i.line}:${i.col}`)).to.deep.equal(['group_vars/web.yml:1:1', 'group_vars/db.yml:2:1']);
    expect(issues[0]!.message).to.equal('a variables file must hold a map of names to values, found a list');
  });

  it('loads the kubespray example unchanged, with its group_vars', async () => {
    const inv = await loadInventory(['inventory/kubespray/hosts.yaml']);
    expect([...inv.groups.keys()]).to.have.members(['all', 'ungrouped', 'kube_control_plane', 'kube_node', 'etcd', 'k8s_cluster', 'calico_rr']);
    expect(groupHosts(inv, 'kube_control_plane')).to.deep.equal(['node1', 'node2', 'node3']);
    expect(groupHosts(inv, 'kube_node')).to.deep.equal(['node4', 'node5']);
    expect(groupHosts(inv, 'etcd')).to.deep.equal(['node1', 'node2', 'node3']);
    expect(groupHosts(inv, 'k8s_cluster')).to.deep.equal(['node1', 'node2', 'node3', 'node4', 'node5']);
    expect(groupHosts(inv, 'calico_rr')).to.deep.equal([]);
    expect(inv.groups.get('k8s_cluster')!.children).to.deep.equal(['kube_control_plane', 'kube_node', 'calico_rr']);
    const vars = hostVars(inv, 'node4');
    expect(vars).to.include({ ansible_host: '10.0.0.14', ansible_user: 'ubuntu', ansible_become: true, kube_version: 'v1.30.4' });
    expect(vars).to.not.have.property('etcd_deployment_type');
    expect(hostVars(inv, 'node1')).to.include({ etcd_deployment_type: 'host' });
    expect(inv.warnings).to.deep.equal([]);
  });

  it('loads the INI and YAML examples to the same hosts and groups', async () => {
    const ini = await loadInventory(['inventory/hosts.ini']);
    const yaml = await loadInventory(['inventory/hosts.yaml']);
    for (const group of ['control_plane', 'workers', 'etcd', 'k8s', 'ungrouped']) {
      expect(groupHosts(ini, group), group).to.deep.equal(groupHosts(yaml, group));
    }
    expect(groupHosts(ini, 'workers')).to.have.length(5);
    expect(hostVars(ini, 'worker05.example.internal')).to.include({ ansible_port: 2222, ansible_user: 'ubuntu' });
    expect(hostVars(yaml, 'worker05.example.internal')).to.include({ ansible_port: 2222, ansible_user: 'ubuntu' });
  });
});
