import { expect } from 'chai';
import { ConfigError } from '../../../src/errors.js';
import { parseSshCommonArgs, proxyCommandToJump } from '../../../src/transport/common-args.js';
import { splitShellWords } from '../../../src/util/shell.js';
import { parseProxyJump } from '../../../src/transport/proxy-jump.js';

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('transport/common-args', () => {
  it('splits words shell-style with quotes and escapes', () => {
    expect(splitShellWords(`-o 'ProxyCommand=ssh -W %h:%p bastion' -o "A=b c" x\\ y ''`)).to.deep.equal([
      '-o',
      'ProxyCommand=ssh -W %h:%p bastion',
      '-o',
      'A=b c',
      'x y',
      '',
    ]);
    expect(() => splitShellWords(`-o 'unterminated`)).to.throw(ConfigError, /unterminated/);
  });

  it('reads -o Key=Value, -o "Key Value" and -oKey=Value, case-insensitively, first value winning', () => {
    const { settings, warnings } = parseSshCommonArgs(
      `-o StrictHostKeyChecking=accept-new -o 'ConnectTimeout 7' -oserveraliveinterval=20 ` +
        `-o ServerAliveCountMax=5 -o HostKeyAlias=node1-key -o IdentitiesOnly=yes -o StrictHostKeyChecking=no ` +
        `-o UserKnownHostsFile=~/.ssh/fleet_hosts -o GlobalKnownHostsFile=/etc/fleet_hosts`,
      '/home/ops',
    );
    expect(settings).to.deep.equal({
      identityFiles: [],
      hostKeyPolicy: 'accept-new',
      connectTimeoutSeconds: 7,
      serverAliveIntervalSeconds: 20,
      serverAliveCountMax: 5,
      hostKeyAlias: 'node1-key',
      identitiesOnly: true,
      userKnownHostsFiles: ['/home/ops/.ssh/fleet_hosts'],
      globalKnownHostsFiles: ['/etc/fleet_hosts'],
    });
    expect(warnings).to.deep.equal([]);
  });

  it('reads -J, -i (accumulating), -p and -l, including glued forms', () => {
    const { settings } = parseSshCommonArgs('-J ops@bastion:2200 -i ~/.ssh/a -i/keys/b -p2222 -l deploy -C', '/home/ops');
    expect(settings).to.deep.include({ proxyJump: 'ops@bastion:2200', port: 2222, user: 'deploy' });
    expect(settings.identityFiles).to.deep.equal(['/home/ops/.ssh/a', '/keys/b']);
  });

  it('reads HashKnownHosts, first value winning, and rejects a value that is not yes or no', () => {
    expect(parseSshCommonArgs('-o HashKnownHosts=yes -o HashKnownHosts=no').settings.hashKnownHosts).to.equal(true);
    expect(parseSshCommonArgs('-o hashknownhosts=no').settings.hashKnownHosts).to.equal(false);
    const error = configErrorOf(() => parseSshCommonArgs('-o HashKnownHosts=maybe'));
    expect(error.issues.map((issue) => issue.message)).to.deep.equal(['HashKnownHosts "maybe" is not yes or no']);
  });

  it('lists ignored options and flags as warnings', () => {
    const { warnings } = parseSshCommonArgs('-o Compression=yes -o BatchMode=no -A -F /x/config');
    expect(warnings).to.deep.equal([
      'ssh option Compression is ignored by drydock',
      'ssh option BatchMode is ignored by drydock',
      'ssh flag -A is ignored by drydock',
      'ssh option -F /x/config is ignored by drydock',
    ]);
  });

  it('accepts quietly the options for what drydock does anyway (never prompts, one connection per host)', () => {
    const args =
      '-o BatchMode=yes -o ControlMaster=auto -o ControlPersist=60s -o ControlPath=/tmp/%C -o LogLevel=ERROR ' +
      '-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o PubkeyAuthentication=yes -o PreferredAuthentications=publickey -q -T';
    expect(parseSshCommonArgs(args).warnings).to.deep.equal([]);
  });

  it('translates the ssh -W %h:%p ProxyCommand into a jump', () => {
    expect(parseSshCommonArgs(`-o ProxyCommand="ssh -W %h:%p -q ops@bastion"`).settings.proxyJump).to.equal('ops@bastion');
    expect(proxyCommandToJump('/usr/bin/ssh -q -W [%h]:%p -p 2200 -l ops bastion')).to.equal('ops@bastion:2200');
    expect(proxyCommandToJump('ssh -J outer -W %h:%p inner')).to.equal('outer,inner');
    expect(proxyCommandToJump('ssh -i key -W %h:%p bastion')).to.equal(undefined);
    expect(proxyCommandToJump('ssh bastion nc %h %p')).to.equal(undefined);
    expect(proxyCommandToJump('nc -X connect -x proxy:3128 %h %p')).to.equal(undefined);
  });

  it('rejects other ProxyCommands and bad values together in one ConfigError', () => {
    const error = configErrorOf(() =>
      parseSshCommonArgs(`-o 'ProxyCommand=nc -x proxy %h %p' -p 99999 -o ConnectTimeout=soon -o Nonsense`),
    );
    expect(error.issues.map((issue) => issue.message)).to.deep.equal([
      'ProxyCommand "nc -x proxy %h %p" is not supported, use ProxyJump (-J or -o ProxyJump=[user@]host[:port])',
      '-p "99999" is not a port number (1-65535)',
      'ConnectTimeout "soon" is not a whole number',
      '-o "Nonsense" is not Key=Value',
    ]);
  });
});

describe('transport/proxy-jump', () => {
  it('parses hop lists, ssh:// URIs, bracketed IPv6 and none', () => {
    expect(parseProxyJump('ops@bastion:2200,inner')).to.deep.equal([
      { text: 'ops@bastion:2200', host: 'bastion', user: 'ops', port: 2200 },
      { text: 'inner', host: 'inner' },
    ]);
    expect(parseProxyJump('ssh://ops@b.example:2222')).to.deep.equal([
      { text: 'ssh://ops@b.example:2222', host: 'b.example', user: 'ops', port: 2222 },
    ]);
    expect(parseProxyJump('[2001:db8::1]:22')).to.deep.equal([{ text: '[2001:db8::1]:22', host: '2001:db8::1', port: 22 }]);
    expect(parseProxyJump('none')).to.deep.equal([]);
  });

  it('explains malformed hops', () => {
    expect(parseProxyJump('a,,b')).to.be.a('string').that.contains('""');
    expect(parseProxyJump('bastion:port')).to.equal('ProxyJump hop "bastion:port" has an invalid port "port"');
    expect(parseProxyJump('@bastion')).to.be.a('string');
  });
});
