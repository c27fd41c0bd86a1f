import { expect } from 'chai';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { loadSshConfig, lookupSshConfig, parseSshConfig } from '../../../src/transport/ssh-config.js';
import { makeTempDir } from './host-key-fixtures.js';

const context = { home: '/home/ops', localUser: 'ops' };

const text = `
Host bastion jump
  HostName 203.0.113.10
  User jumper
  Port 2201

Host node-*  !node-9
  User admin
  IdentityFile ~/.ssh/fleet_%r
  IdentitiesOnly yes
  UserKnownHostsFile ~/.ssh/fleet_known_hosts /etc/ssh/fleet_known_hosts
  ProxyJump bastion
  ServerAliveInterval 5

Host node-1
  User ignored-because-first-wins
  Port 2222
  HostName %h.prod.example

Host *
  User fallback
  IdentityFile ~/.ssh/id_ed25519
  StrictHostKeyChecking accept-new
  ConnectTimeout 4
  HashKnownHosts yes
`;

describe('transport/ssh-config', () => {
  const cfg = parseSshConfig(text, '/home/ops/.ssh/config');

  it('resolves a Host alias listed among several names', () => {
    expect(lookupSshConfig(cfg, 'jump', context)).to.include({ hostName: '203.0.113.10', user: 'jumper', port: 2201 });
  });

  it('keeps the first value obtained and accumulates IdentityFile across blocks', () => {
    const node = lookupSshConfig(cfg, 'node-1', context);
    expect(node.user).to.equal('admin');
    expect(node.port).to.equal(2222);
    expect(node.hostName).to.equal('node-1.prod.example');
    expect(node.identityFiles).to.deep.equal(['/home/ops/.ssh/fleet_admin', '/home/ops/.ssh/id_ed25519']);
    expect(node).to.include({ identitiesOnly: true, proxyJump: 'bastion', serverAliveIntervalSeconds: 5 });
    expect(node.userKnownHostsFiles).to.deep.equal(['/home/ops/.ssh/fleet_known_hosts', '/etc/ssh/fleet_known_hosts']);
  });

  it('applies wildcard blocks, honouring negated patterns', () => {
    const excluded = lookupSshConfig(cfg, 'node-9', context);
    expect(excluded.user).to.equal('fallback');
    expect(excluded.proxyJump).to.equal(undefined);
    expect(excluded).to.include({ hostKeyPolicy: 'accept-new', connectTimeoutSeconds: 4, hashKnownHosts: true });
    expect(excluded.identityFiles).to.deep.equal(['/home/ops/.ssh/id_ed25519']);
  });

  it('expands %r and %p with the user and port decided elsewhere (inventory, flags)', () => {
    const node = lookupSshConfig(cfg, 'node-2', { ...context, remoteUser: 'deploy' });
    expect(node.identityFiles[0]).to.equal('/home/ops/.ssh/fleet_deploy');
    const byPort = parseSshConfig('IdentityFile ~/.ssh/key_%p\n', 'c');
    expect(lookupSshConfig(byPort, 'x', context).identityFiles).to.deep.equal(['/home/ops/.ssh/key_22']);
    expect(lookupSshConfig(byPort, 'x', { ...context, remotePort: 2200 }).identityFiles).to.deep.equal(['/home/ops/.ssh/key_2200']);
  });

  it('maps StrictHostKeyChecking values to policies and UserKnownHostsFile none to no files', () => {
    const policies = ['yes', 'ask', 'no', 'off', 'accept-new'].map(
      (value) => lookupSshConfig(parseSshConfig(`StrictHostKeyChecking ${value}\n`, 'c'), 'x', context).hostKeyPolicy,
    );
    expect(policies).to.deep.equal(['strict', 'strict', 'off', 'off', 'accept-new']);
    expect(lookupSshConfig(parseSshConfig('UserKnownHostsFile none\n', 'c'), 'x', context).userKnownHostsFiles).to.deep.equal([]);
  });

  it('rejects bad values with a ConfigError naming the file and the host', () => {
    const bad = parseSshConfig('Host x\n  Port twenty\n  StrictHostKeyChecking maybe\n', '/cfg');
    try {
      lookupSshConfig(bad, 'x', context);
      expect.fail('expected a ConfigError');
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      const issues = (error as ConfigError).issues;
      expect(issues.map((issue) => issue.file)).to.deep.equal(['/cfg', '/cfg']);
      expect(issues[0]?.message).to.contain('Host x: Port "twenty"');
    }
  });

  it('rejects an IdentityFile token it cannot expand rather than trying a wrong path', () => {
    const withToken = parseSshConfig('IdentityFile ~/.ssh/%C\n', '/cfg');
    expect(() => lookupSshConfig(withToken, 'x', context)).to.throw(ConfigError, /IdentityFile "~\/.ssh\/%C"/);
  });

  it('reports a parse error with the file and the line of the unbalanced quote', () => {
    try {
      parseSshConfig('Host a\n  User b\n  IdentityFile "~/.ssh/x\n', '/cfg');
      expect.fail('expected a ConfigError');
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).issues[0]).to.include({ file: '/cfg', line: 3 });
    }
  });

  it('never runs Match exec and warns about it and about Include', () => {
    const temp = makeTempDir('sshcfg');
    try {
      const marker = join(temp.dir, 'ran');
      const cfgWithExec = parseSshConfig(`Include ~/.ssh/conf.d/*\nMatch exec "touch ${marker}"\n  User evil\n`, '/cfg');
      expect(lookupSshConfig(cfgWithExec, 'x', context).user).to.equal(undefined);
      expect(cfgWithExec.warnings.map((warning) => warning.line)).to.deep.equal([1, 2]);
      expect(existsSync(marker)).to.equal(false);
    } finally {
      temp.cleanup();
    }
  });

  it('loads a file, and treats a missing file as an empty config', async () => {
    const temp = makeTempDir('sshcfg');
    try {
      const file = join(temp.dir, 'config');
      writeFileSync(file, 'Host a\n  Port 2200\n');
      expect(lookupSshConfig(await loadSshConfig(file), 'a', context).port).to.equal(2200);
      const missing = await loadSshConfig(join(temp.dir, 'nope'));
      expect(lookupSshConfig(missing, 'a', context)).to.deep.equal({ identityFiles: [] });
      const viaHome = await loadSshConfig('~/config', temp.dir);
      expect(viaHome.file).to.equal(file);
    } finally {
      temp.cleanup();
    }
  });
});
