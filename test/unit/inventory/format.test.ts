import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { UsageError } from '../../../src/errors.js';
import { formatHostVars, formatInventoryGraph, formatInventoryList, maskSecrets } from '../../../src/inventory/index.js';
import type { LoadedInventory } from '../../../src/inventory/index.js';
import { loadMemory } from './helpers.js';

const INI = `
solo api_token=abc
[web]
w2 ansible_become_password=hunter2
w1
[web:vars]
http_port=80
db_password=s3cret
[db]
d1 nested="{'password': 'x', 'user': 'u'}" flag=True
[empty]
[prod:children]
web
db
empty
`;

describe('inventory/format', () => {
  let inv: LoadedInventory;
  before(async () => {
    inv = await loadMemory({ 'f.ini': INI });
  });

  it('masks secret-looking keys at any depth', () => {
    expect(maskSecrets({ a: 1, Password: 'p', list: [{ vault_passphrase: 'x' }], s: { token: 't', SECRET_KEY: 'k', ok: 'y' } })).to.deep.equal({
      a: 1,
      Password: '********',
      list: [{ vault_passphrase: '********' }],
      s: { token: '********', SECRET_KEY: '********', ok: 'y' },
    });
  });

  it('lists like ansible-inventory --list', () => {
    expect(JSON.parse(formatInventoryList(inv))).to.deep.equal({
      _meta: {
        hostvars: {
          solo: { api_token: '********' },
          w2: { ansible_become_password: '********', db_password: '********', http_port: 80 },
          w1: { db_password: '********', http_port: 80 },
          d1: { flag: true, nested: { password: '********', user: 'u' } },
        },
      },
      all: { children: ['ungrouped', 'prod'] },
      db: { hosts: ['d1'] },
      prod: { children: ['web', 'db', 'empty'] },
      ungrouped: { hosts: ['solo'] },
      web: { hosts: ['w2', 'w1'] },
    });
    expect(formatInventoryList(inv).split('\n')[1]).to.equal('    "_meta": {');
  });

  it('applies extra vars in the listing', () => {
    expect(JSON.parse(formatInventoryList(inv, { http_port: 8080 }))._meta.hostvars.w1.http_port).to.equal(8080);
  });

  it('draws the graph like ansible-inventory --graph', () => {
    expect(formatInventoryGraph(inv)).to.equal(
      [
        '@all:',
        '  |--@ungrouped:',
        '  |  |--solo',
        '  |--@prod:',
        '  |  |--@web:',
        '  |  |  |--w2',
        '  |  |  |--w1',
        '  |  |--@db:',
        '  |  |  |--d1',
        '  |  |--@empty:',
      ].join('\n'),
    );
  });

  it('draws a subtree with variables when asked, masked', () => {
    expect(formatInventoryGraph(inv, { group: 'web', vars: true })).to.equal(
      [
        '@web:',
        '  |--w2',
        '  |  |--{ansible_become_password = ********}',
        '  |  |--{db_password = ********}',
        '  |  |--{http_port = 80}',
        '  |--w1',
        '  |  |--{db_password = ********}',
        '  |  |--{http_port = 80}',
        '  |--{db_password = ********}',
        '  |--{http_port = 80}',
      ].join('\n'),
    );
    expect(formatInventoryGraph(inv, { group: 'db', vars: true })).to.contain("{nested = {'password': '********', 'user': 'u'}}");
    expect(formatInventoryGraph(inv, { group: 'db', vars: true })).to.contain('{flag = True}');
    expect(() => formatInventoryGraph(inv, { group: 'nope' })).to.throw(UsageError, 'unknown group "nope"');
  });

  it('prints one host as sorted JSON without magic vars, and names an unknown host', () => {
    expect(formatHostVars(inv, 'w2', { zeta: 1 })).to.equal(
      '{\n    "ansible_become_password": "********",\n    "db_password": "********",\n    "http_port": 80,\n    "zeta": 1\n}',
    );
    expect(() => formatHostVars(inv, 'w9')).to.throw(UsageError, 'unknown host "w9"');
  });

  it('runs `drydock inventory graph` end to end', function () {
    this.timeout(20000);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'inventory', 'graph', '-i', 'inventory/hosts.ini'], {
      encoding: 'utf8',
    });
    expect(run.stderr).to.equal('');
    expect(run.status).to.equal(0);
    expect(run.stdout).to.match(/^@all:\n {2}\|--@ungrouped:\n {2}\| {2}\|--bastion\n/);
    expect(run.stdout).to.contain('  |  |  |--worker05.example.internal\n');
  });

  it('exits non-zero and names the host for `drydock inventory host` with an unknown host', function () {
    this.timeout(20000);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'inventory', 'host', 'ghost', '-i', 'inventory/hosts.yaml'], {
      encoding: 'utf8',
    });
    expect(run.status).to.not.equal(0);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.contain('unknown host "ghost"');
  });
});
