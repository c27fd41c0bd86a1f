import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import type { Vars } from '../../../src/inventory/types.js';
import { parseSshConfig, emptySshConfig } from '../../../src/transport/ssh-config.js';
import { resolveConnectionSpec, type ResolveInput } from '../../../src/transport/resolve.js';

const existing = new Set(['/home/ops/.ssh/id_ed25519', '/home/ops/.ssh/id_rsa']);
const env = { home: '/home/ops', localUser: 'ops', authSock: '/tmp/agent.sock', fileExists: (path: string) => existing.has(path) };

function resolve(input: Partial<ResolveInput> & { inventory?: Record<string, Vars> }): ReturnType<typeof resolveConnectionSpec> {
  const inventory = input.inventory ?? {};
  return resolveConnectionSpec({
    name: 'node1',
    vars: {},
    sshConfig: emptySshConfig(),
    inventoryVars: (name) => inventory[name],
    env,
    ...input,
  });
}

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const layeredConfig = parseSshConfig(
  [
    'Host 10.0.0.5',
    '  User cfguser',
    '  Port 2201',
    '  IdentityFile ~/.ssh/cfg_key',
    '  StrictHostKeyChecking no',
    '  ConnectTimeout 3',
    '  UserKnownHostsFile ~/.ssh/cfg_known_hosts',
    '  ServerAliveInterval 30',
    '  HostKeyAlias cfg-alias',
  ].join('\n'),
  '/home/ops/.ssh/config',
);
const commonArgs = '-o StrictHostKeyChecking=accept-new -o ConnectTimeout=5 -l argsuser -p 2202 -i ~/.ssh/args_key';

describe('transport/resolve', () => {
  it('fills OpenSSH-like defaults', () => {
    expect(resolve({})).to.deep.equal({
      name: 'node1',
      hostname: 'node1',
      port: 22,
      user: 'ops',
      identityFiles: ['/home/ops/.ssh/id_ed25519', '/home/ops/.ssh/id_rsa'],
      identitiesOnly: false,
      agentSocket: '/tmp/agent.sock',
      proxyJump: [],
      userKnownHostsFiles: ['/home/ops/.ssh/known_hosts', '/home/ops/.ssh/known_hosts2'],
      globalKnownHostsFiles: ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
      hostKeyPolicy: 'strict',
      connectTimeoutMs: 10_000,
      keepaliveIntervalMs: 15_000,
      keepaliveCountMax: 3,
      become: { enabled: false, user: 'root', method: 'sudo' },
    });
  });

  describe('precedence: CLI > inventory vars > ssh_common_args > ~/.ssh/config > defaults', () => {
    const vars = { ansible_host: '10.0.0.5' };

    it('looks ~/.ssh/config up by ansible_host, as ssh does when Ansible runs it', () => {
      const spec = resolve({ vars, sshConfig: layeredConfig });
      expect(spec).to.include({ hostname: '10.0.0.5', user: 'cfguser', port: 2201, hostKeyPolicy: 'off' });
      expect(spec).to.include({ connectTimeoutMs: 3000, keepaliveIntervalMs: 30_000, hostKeyAlias: 'cfg-alias' });
      expect(spec.identityFiles).to.deep.equal(['/home/ops/.ssh/cfg_key']);
      expect(spec.userKnownHostsFiles).to.deep.equal(['/home/ops/.ssh/cfg_known_hosts']);
    });

    it('lets ssh_common_args beat the config, keeping config identities after its own', () => {
      const spec = resolve({ vars: { ...vars, ansible_ssh_common_args: commonArgs }, sshConfig: layeredConfig });
      expect(spec).to.include({ user: 'argsuser', port: 2202, hostKeyPolicy: 'accept-new', connectTimeoutMs: 5000 });
      expect(spec.identityFiles).to.deep.equal(['/home/ops/.ssh/args_key', '/home/ops/.ssh/cfg_key']);
    });

    it('lets ansible_* vars beat ssh_common_args, and ssh_common_args beat ssh_extra_args', () => {
      const spec = resolve({
        vars: {
          ...vars,
          ansible_ssh_common_args: commonArgs,
          ansible_ssh_extra_args: '-o ConnectTimeout=9 -o ServerAliveCountMax=7',
          ansible_user: 'varuser',
          ansible_port: '2203',
          ansible_ssh_private_key_file: '~/.ssh/var_key',
          ansible_timeout: 6,
        },
        sshConfig: layeredConfig,
      });
      expect(spec).to.include({ user: 'varuser', port: 2203, connectTimeoutMs: 6000, keepaliveCountMax: 7 });
      expect(spec.identityFiles[0]).to.equal('/home/ops/.ssh/var_key');
    });

    it('lets CLI flags beat everything; an explicit --host-key-checking always wins', () => {
      const spec = resolve({
        vars: { ...vars, ansible_ssh_common_args: commonArgs, ansible_user: 'varuser', ansible_ssh_private_key_file: '/k/var' },
        sshConfig: layeredConfig,
        cli: { user: 'cliuser', privateKey: '~/cli_key', hostKeyChecking: 'strict', connectTimeoutMs: 1500, knownHostsFile: '~/kh' },
      });
      expect(spec).to.include({ user: 'cliuser', hostKeyPolicy: 'strict', connectTimeoutMs: 1500 });
      expect(spec.identityFiles[0]).to.equal('/home/ops/cli_key');
      expect(spec.identityFiles).to.not.include('/k/var');
      expect(spec.userKnownHostsFiles).to.deep.equal(['/home/ops/kh']);
    });
  });

  it('uses the inventory name for the config lookup when there is no ansible_host, and the config HostName', () => {
    const cfg = parseSshConfig('Host node1\n  HostName 192.0.2.7\n  IdentitiesOnly yes\n  IdentityFile ~/.ssh/only\n', 'c');
    const spec = resolve({ sshConfig: cfg });
    expect(spec).to.include({ hostname: '192.0.2.7', identitiesOnly: true });
    expect(spec.agentSocket).to.equal(undefined);
    expect(spec.identityFiles).to.deep.equal(['/home/ops/.ssh/only']);
  });

  it('accepts the legacy ansible_ssh_host / ansible_ssh_user / ansible_ssh_port spellings', () => {
    const spec = resolve({ vars: { ansible_ssh_host: '192.0.2.9', ansible_ssh_user: 'legacy', ansible_ssh_port: '2200' } });
    expect(spec).to.include({ hostname: '192.0.2.9', user: 'legacy', port: 2200 });
  });

  it('reads become, the key passphrase, and YAML-typed values', () => {
    const spec = resolve({
      vars: {
        ansible_become: 'yes',
        ansible_become_user: 'kube',
        ansible_become_pass: 's3cret',
        drydock_key_passphrase: 'pp',
        ansible_port: 2222,
      },
    });
    expect(spec.become).to.deep.equal({ enabled: true, user: 'kube', method: 'sudo', password: 's3cret' });
    expect(spec).to.include({ passphrase: 'pp', port: 2222 });
    expect(resolve({ vars: { ansible_become: false }, cli: { become: true } }).become.enabled).to.equal(true);
  });

  it('takes the password typed at -K over the inventory\'s, without turning become on', () => {
    const typed = resolve({ vars: { ansible_become_password: 'from-inventory' }, cli: { becomePassword: 'typed' } }).become;
    expect(typed).to.deep.equal({ enabled: false, user: 'root', method: 'sudo', password: 'typed' });
  });

  it('reports every unsupported or bad setting of a host in one ConfigError, without secret values', () => {
    const error = configErrorOf(() =>
      resolve({
        vars: {
          ansible_ssh_pass: 'hunter2',
          ansible_become_method: 'su',
          ansible_connection: 'local',
          ansible_port: 'ssh',
          ansible_ssh_common_args: '-o ProxyCommand="socat - PROXY:proxy:%h:%p"',
        },
        source: { file: 'inventory/hosts.ini', line: 4 },
      }),
    );
    const messages = error.issues.map((issue) => issue.message);
    expect(messages).to.have.length(5);
    expect(messages.every((message) => message.startsWith('node1: '))).to.equal(true);
    expect(messages.join('\n')).to.contain('ansible_ssh_pass is not supported').and.contain('SSH keys');
    expect(messages.join('\n')).to.contain('ansible_become_method=su is not supported');
    expect(messages.join('\n')).to.contain('ansible_connection=local is not supported yet');
    expect(messages.join('\n')).to.contain('use ProxyJump');
    expect(error.message).to.not.contain('hunter2');
    expect(error.issues[0]).to.include({ file: 'inventory/hosts.ini', line: 4 });
  });

  it('names the host and the ssh config file for bad ssh config values', () => {
    const error = configErrorOf(() => resolve({ sshConfig: parseSshConfig('Host node1\n  Port x\n', '/cfg') }));
    expect(error.issues).to.deep.equal([{ file: '/cfg', message: 'node1: Host node1: Port "x" is not a port number (1-65535)' }]);
  });

  it('passes ignored ssh options to onWarning', () => {
    const warnings: string[] = [];
    resolve({ vars: { ansible_ssh_common_args: '-o Compression=yes' }, onWarning: (warning) => warnings.push(warning) });
    expect(warnings).to.deep.equal(['node1: ansible_ssh_common_args: ssh option Compression is ignored by drydock']);
  });

  it('reports a jump host\'s inherited ignored options once, in the same words for every target', () => {
    const common = '-J bastion -o Compression=yes -C';
    const groupVars = { ansible_ssh_common_args: common };
    const warnings: string[] = [];
    const reportedWarnings = new Set<string>();
    for (const name of ['node1', 'node2']) {
      resolve({ name, vars: groupVars, inventory: { bastion: groupVars }, onWarning: (w) => warnings.push(w), reportedWarnings });
    }
    expect(warnings).to.deep.equal([
      'node1: ansible_ssh_common_args: ssh option Compression is ignored by drydock',
      'node1: ansible_ssh_common_args: ssh flag -C is ignored by drydock',
      'bastion: ansible_ssh_common_args: ssh option Compression is ignored by drydock',
      'bastion: ansible_ssh_common_args: ssh flag -C is ignored by drydock',
      'node2: ansible_ssh_common_args: ssh option Compression is ignored by drydock',
      'node2: ansible_ssh_common_args: ssh flag -C is ignored by drydock',
    ]);
  });

  it('names each hop\'s warnings after the hop alone, not the path to it', () => {
    const vars = { ansible_ssh_common_args: '-J a,b -C', ansible_ssh_extra_args: '-C' };
    const warnings: string[] = [];
    resolve({ vars, inventory: { a: vars, b: vars }, onWarning: (w) => warnings.push(w) });
    expect(warnings).to.deep.equal([
      'node1: ansible_ssh_common_args: ssh flag -C is ignored by drydock',
      'node1: ansible_ssh_extra_args: ssh flag -C is ignored by drydock',
      'a: ansible_ssh_common_args: ssh flag -C is ignored by drydock',
      'a: ansible_ssh_extra_args: ssh flag -C is ignored by drydock',
      'b: ansible_ssh_common_args: ssh flag -C is ignored by drydock',
      'b: ansible_ssh_extra_args: ssh flag -C is ignored by drydock',
    ]);
  });

  it('takes HashKnownHosts from ssh config, ssh_common_args winning, and leaves it unset otherwise', () => {
    const cfg = parseSshConfig('Host node1\n  HashKnownHosts yes\n', '/cfg');
    expect(resolve({ sshConfig: cfg }).hashKnownHosts).to.equal(true);
    const args = { ansible_ssh_common_args: '-o HashKnownHosts=no' };
    expect(resolve({ sshConfig: cfg, vars: args }).hashKnownHosts).to.equal(false);
    expect(resolve({ vars: { ansible_ssh_common_args: '-o HashKnownHosts=yes' } }).hashKnownHosts).to.equal(true);
    expect(resolve({})).not.to.have.property('hashKnownHosts');
  });

  describe('ProxyJump', () => {
    it('reaches a hop that is an inventory host with that host\'s connection vars', () => {
      const spec = resolve({
        vars: { ansible_ssh_common_args: '-o ProxyJump=bastion', ansible_become: true },
        inventory: { bastion: { ansible_host: '203.0.113.1', ansible_user: 'jump', ansible_port: 2200 } },
        cli: { user: 'cliuser', hostKeyChecking: 'accept-new' },
      });
      expect(spec.user).to.equal('cliuser');
      expect(spec.proxyJump).to.have.length(1);
      const [bastion] = spec.proxyJump;
      expect(bastion).to.include({ name: 'bastion', hostname: '203.0.113.1', user: 'jump', port: 2200, hostKeyPolicy: 'accept-new' });
      expect(bastion?.become.enabled).to.equal(false);
      expect(bastion?.proxyJump).to.deep.equal([]);
    });

    it('follows hops through ~/.ssh/config, each hop carrying the path to itself', () => {
      const cfg = parseSshConfig(
        [
          'Host node*',
          '  ProxyJump mid',
          'Host mid',
          '  HostName 10.1.1.1',
          '  ProxyJump edge',
          'Host edge',
          '  HostName 198.51.100.1',
          '  User e',
          '  Port 2022',
        ].join('\n'),
        'c',
      );
      const spec = resolve({ sshConfig: cfg });
      expect(spec.proxyJump.map((hop) => hop.name)).to.deep.equal(['edge', 'mid']);
      const [edge, mid] = spec.proxyJump;
      expect(edge).to.include({ hostname: '198.51.100.1', user: 'e', port: 2022 });
      expect(edge?.proxyJump).to.deep.equal([]);
      expect(mid?.hostname).to.equal('10.1.1.1');
      expect(mid?.proxyJump.map((hop) => hop.name)).to.deep.equal(['edge']);
    });

    it('reaches later hops of a comma list through the earlier ones, and hop user@host:port wins', () => {
      const cfg = parseSshConfig('Host b\n  User cfg\n  Port 2000\n  ProxyJump c\n', 'c');
      const spec = resolve({ vars: { ansible_ssh_common_args: '-J a,me@b:2001' }, sshConfig: cfg });
      expect(spec.proxyJump.map((hop) => hop.name)).to.deep.equal(['a', 'b']);
      expect(spec.proxyJump[1]).to.include({ user: 'me', port: 2001 });
      expect(spec.proxyJump[1]?.proxyJump.map((hop) => hop.name)).to.deep.equal(['a']);
    });

    it('translates a config ProxyCommand of the ssh -W form, and ProxyJump none disables a config jump', () => {
      const cfg = parseSshConfig('Host node1\n  ProxyCommand ssh -q -W %h:%p ops@gate\n', 'c');
      expect(resolve({ sshConfig: cfg }).proxyJump[0]).to.include({ name: 'gate', user: 'ops' });
      const disabled = resolve({ sshConfig: cfg, vars: { ansible_ssh_common_args: '-o ProxyJump=none' } });
      expect(disabled.proxyJump).to.deep.equal([]);
    });

    it('does not make a bastion jump through itself when it inherits the group\'s ProxyJump', () => {
      const groupArgs = { ansible_ssh_common_args: '-J bastion' };
      const spec = resolve({
        name: 'bastion',
        vars: { ...groupArgs, ansible_host: '203.0.113.1' },
        inventory: { bastion: { ...groupArgs, ansible_host: '203.0.113.1' } },
      });
      expect(spec.proxyJump).to.deep.equal([]);
      const node = resolve({ vars: groupArgs, inventory: { bastion: { ...groupArgs, ansible_host: '203.0.113.1' } } });
      expect(node.proxyJump.map((hop) => hop.hostname)).to.deep.equal(['203.0.113.1']);
    });

    it('detects loops and names them', () => {
      const cfg = parseSshConfig('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n', 'c');
      const error = configErrorOf(() => resolve({ vars: { ansible_ssh_common_args: '-J a' }, sshConfig: cfg }));
      expect(error.issues.map((issue) => issue.message)).to.deep.equal([
        'b (ProxyJump of node1 → a): ProxyJump loop: node1 → a → b → a',
      ]);
    });

    it('stops a chain deeper than the guard', () => {
      const lines = Array.from({ length: 12 }, (_, index) => `Host h${index}\n  ProxyJump h${index + 1}\n`);
      const cfg = parseSshConfig(lines.join(''), 'c');
      const error = configErrorOf(() => resolve({ vars: { ansible_ssh_common_args: '-J h0' }, sshConfig: cfg }));
      expect(error.issues).to.have.length(1);
      expect(error.issues[0]?.message).to.contain('ProxyJump chain deeper than 8 hops');
    });

    it('reports a malformed hop and problems in an inventory hop', () => {
      const error = configErrorOf(() =>
        resolve({
          vars: { ansible_ssh_common_args: '-J gate' },
          inventory: { gate: { ansible_ssh_pass: 'x' } },
        }),
      );
      expect(error.issues[0]?.message).to.match(/^gate \(ProxyJump of node1\): ansible_ssh_pass is not supported/);
      const malformed = configErrorOf(() => resolve({ vars: { ansible_ssh_common_args: '-J gate:xx' } }));
      expect(malformed.issues[0]?.message).to.equal('node1: ProxyJump hop "gate:xx" has an invalid port "xx"');
    });
  });
});
