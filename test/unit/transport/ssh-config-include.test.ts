import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { loadSshConfig, lookupSshConfig } from '../../../src/transport/ssh-config.js';
import { makeTempDir } from './host-key-fixtures.js';

describe('transport/ssh-config Include', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let sshDir: string;
  const context = () => ({ home: temp.dir, localUser: 'ops' });
  const write = (name: string, text: string): string => {
    const path = join(sshDir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return path;
  };

  beforeEach(() => {
    temp = makeTempDir('include');
    sshDir = join(temp.dir, '.ssh');
  });
  afterEach(() => temp.cleanup());

  it('inlines included files in sorted glob order, relative to ~/.ssh, at the place of the directive', async () => {
    write('config.d/20-prod', 'Host prod-*\n  User prod\n  ProxyJump gate\n');
    write('config.d/10-all', 'Host *\n  Port 2200\n');
    write('config.d/.hidden', 'Host *\n  User hidden\n');
    write('config', 'Include config.d/*\nHost *\n  User fallback\n  Port 22\n');
    const cfg = await loadSshConfig('~/.ssh/config', temp.dir);
    expect(lookupSshConfig(cfg, 'prod-1', context())).to.include({ user: 'prod', port: 2200, proxyJump: 'gate' });
    expect(lookupSshConfig(cfg, 'dev-1', context())).to.include({ user: 'fallback', port: 2200 });
    expect(cfg.warnings).to.deep.equal([]);
  });

  it('keeps an Include inside a Host block conditional, and the block open after it', async () => {
    write('bastion.conf', 'User jumper\n');
    write('config', `Host bastion\n  Include ${join(sshDir, 'bastion.conf')}\n  Port 2201\nHost *\n  User other\n`);
    const cfg = await loadSshConfig('~/.ssh/config', temp.dir);
    expect(lookupSshConfig(cfg, 'bastion', context())).to.include({ user: 'jumper', port: 2201 });
    expect(lookupSshConfig(cfg, 'node', context())).to.include({ user: 'other' });
    expect(lookupSshConfig(cfg, 'node', context()).port).to.equal(undefined);
  });

  it('keeps top-level lines after an Include global even when the included file opens a Host block', async () => {
    write('extra', 'Host special\n  User special\n');
    write('config', 'Include ~/.ssh/extra\nConnectTimeout 4\n');
    const cfg = await loadSshConfig('~/.ssh/config', temp.dir);
    expect(lookupSshConfig(cfg, 'anything', context()).connectTimeoutSeconds).to.equal(4);
    expect(lookupSshConfig(cfg, 'special', context())).to.include({ user: 'special', connectTimeoutSeconds: 4 });
  });

  it('ignores a missing include, reports a loop with file:line, and maps positions into included files', async () => {
    write('config', 'Include nothing-here\nInclude a\n');
    write('a', 'Include b\n');
    write('b', 'Include a\n');
    const error = await loadSshConfig('~/.ssh/config', temp.dir).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).issues[0]).to.include({ file: join(sshDir, 'b'), line: 1 });
    expect((error as ConfigError).issues[0]?.message).to.contain('Include loop');

    write('config', 'Include a\n');
    write('a', '# comment\nMatch exec "true"\n  User x\nHost y\n  IdentityFile "unterminated\n');
    const parseError = await loadSshConfig('~/.ssh/config', temp.dir).catch((caught: unknown) => caught);
    expect((parseError as ConfigError).issues[0]).to.include({ file: join(sshDir, 'a'), line: 5 });

    write('a', '# comment\nMatch exec "true"\n  User x\n');
    const cfg = await loadSshConfig('~/.ssh/config', temp.dir);
    expect(cfg.warnings).to.deep.equal([
      { file: join(sshDir, 'a'), line: 2, message: 'Match exec is never run by drydock; the block is skipped' },
    ]);
  });
});
