import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import {
  addConnectionOptions,
  addNotifyOption,
  addTargetOptions,
  connectionOverrides,
  parseExtraVars,
  readExtraVarsFile,
  type SharedOptions,
} from '../../../src/cli/options.js';
import { ConfigError, UsageError } from '../../../src/errors.js';

function parse(args: string[]): SharedOptions {
  let captured!: SharedOptions;
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  const run = program.command('run').argument('<pattern>').argument('<command...>');
  addTargetOptions(run);
  addConnectionOptions(run);
  run.exitOverride().action((_p: string, _w: string[], options: SharedOptions) => {
    captured = options;
  });
  program.parse(['node', 'drydock', 'run', ...args]);
  return captured;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const files = (content: Record<string, string>) => (path: string): string => {
  const text = content[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  return text;
};

describe('-e @file (extra vars files)', () => {
  it('reads YAML 1.1 as Ansible does: yes is a boolean, 0755 octal, y stays a string', () => {
    const read = files({ 'vars.yaml': 'kube_version: "1.30.2"\ndrain: yes\nmode: 0755\nanswer: y\nnodes: [a, b]\n' });
    expect(readExtraVarsFile('vars.yaml', read)).to.deep.equal({ kube_version: '1.30.2', drain: true, mode: 493, answer: 'y', nodes: ['a', 'b'] });
  });

  it('reads JSON files as JSON', () => {
    const read = files({ 'vars.json': '{"a": {"b": [1, 2]}, "flag": "yes"}' });
    expect(readExtraVarsFile('vars.json', read)).to.deep.equal({ a: { b: [1, 2] }, flag: 'yes' });
  });

  it('merges files with the other -e forms left to right', () => {
    const read = files({ 'one.yaml': 'a: 1\nb: 1\n' });
    const merged = parseExtraVars('b=2 c=2', parseExtraVars('@one.yaml', { a: 0, z: 0 }, read), read);
    expect(merged).to.deep.equal({ a: 1, b: '2', c: '2', z: 0 });
  });

  it('names a missing file in a ConfigError', () => {
    const err = configError(() => readExtraVarsFile('missing.yaml', files({})));
    expect(err.issues[0]).to.include({ file: 'missing.yaml' });
    expect(err.message).to.equal('missing.yaml: cannot read extra vars file (-e @missing.yaml): no such file');
  });

  it('points YAML syntax errors and duplicate keys at file:line:col', () => {
    const bad = configError(() => readExtraVarsFile('bad.yaml', files({ 'bad.yaml': 'a: 1\nb: [1, 2\nc: 3\n' })));
    expect(bad.issues[0]).to.include({ file: 'bad.yaml' });
    expect(bad.issues[0]!.line).to.be.a('number');
    expect(bad.message).to.match(/^bad\.yaml:\d+:\d+: /);
    const dup = configError(() => readExtraVarsFile('dup.yaml', files({ 'dup.yaml': 'a: 1\nb: 2\na: 3\n' })));
    expect(dup.message).to.match(/^dup\.yaml:3:1: /);
  });

  it('refuses a file whose top level is not a mapping, or that is empty', () => {
    expect(configError(() => readExtraVarsFile('list.yaml', files({ 'list.yaml': '\n- a\n- b\n' }))).message).to.equal(
      'list.yaml:2:1: extra vars must be a mapping of names to values, found a list',
    );
    expect(configError(() => readExtraVarsFile('e.yaml', files({ 'e.yaml': '' }))).message).to.contain('found nothing');
    expect(configError(() => readExtraVarsFile('n.json', files({ 'n.json': '42' }))).message).to.equal(
      'n.json:1:1: extra vars must be a mapping of names to values, found a number',
    );
    expect(() => parseExtraVars('@')).to.throw(ConfigError, /file name after @/);
  });

  it('reads the file from disk when given on the command line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-ev-'));
    const file = join(dir, 'vars.yml');
    writeFileSync(file, 'kube_version: 1.31.1\nserial: 2\n');
    const options = parse(['all', '-i', 'x', '-e', 'serial=1', '-e', `@${file}`, '--', 'true']);
    expect(options.extraVars).to.deep.equal({ kube_version: '1.31.1', serial: 2 });
    expect(() => parse(['all', '-i', 'x', '-e', `@${join(dir, 'nope.yml')}`, '--', 'true'])).to.throw(ConfigError, /nope\.yml/);
  });
});

describe('--known-hosts and the connection overrides', () => {
  it('passes --known-hosts to the resolver as knownHostsFile', () => {
    const options = parse(['all', '-i', 'x', '--known-hosts', '/tmp/kh', '-u', 'ops', '--', 'true']);
    expect(options.knownHosts).to.equal('/tmp/kh');
    expect(connectionOverrides(options)).to.deep.equal({
      user: 'ops',
      privateKey: undefined,
      hostKeyChecking: undefined,
      knownHostsFile: '/tmp/kh',
      become: undefined,
    });
  });

  it('leaves knownHostsFile out when the flag is absent, so ssh config and inventory decide', () => {
    const overrides = connectionOverrides(parse(['all', '-i', 'x', '-b', '--', 'true']));
    expect(overrides).to.not.have.property('knownHostsFile');
    expect(overrides.become).to.equal(true);
  });

  it('hands the password -K read to the resolver, and nothing without it', () => {
    const options = parse(['all', '-i', 'x', '--', 'true']);
    expect(options.askBecomePass).to.equal(false);
    expect(connectionOverrides(options)).to.not.have.property('becomePassword');
    expect(connectionOverrides({ ...options, becomePassword: 'typed' })).to.include({ becomePassword: 'typed' });
  });
});

describe('--notify', () => {
  async function parseNotify(args: string[]): Promise<{ notify?: URL[] }> {
    let captured: { notify?: URL[] } = {};
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    const play = program.command('play');
    addNotifyOption(play).action((options: { notify?: URL[] }) => {
      captured = options;
    });
    await program.parseAsync(['node', 'drydock', 'play', ...args]);
    return captured;
  }

  it('is repeatable and gives URLs to the command', async () => {
    const { notify } = await parseNotify(['--notify', 'https://a.example/x', '--notify', 'http://127.0.0.1:9/y']);
    expect(notify!.map((u) => u.href)).to.deep.equal(['https://a.example/x', 'http://127.0.0.1:9/y']);
    expect((await parseNotify([])).notify).to.equal(undefined);
  });

  it('refuses a URL that is not http(s) with a UsageError before the command runs', async () => {
    let ran = false;
    const program = new Command().exitOverride();
    addNotifyOption(program.command('play')).action(() => {
      ran = true;
    });
    let caught: unknown;
    await program.parseAsync(['node', 'drydock', 'play', '--notify', 'ftp://a.example/s3cret']).catch((err: unknown) => (caught = err));
    expect(caught).to.be.instanceOf(UsageError);
    expect((caught as Error).message).to.contain('--notify').and.not.contain('s3cret');
    expect(ran).to.equal(false);
  });
});
