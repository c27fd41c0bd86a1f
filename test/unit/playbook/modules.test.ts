import { expect } from 'chai';
import { moduleRegistry } from '../../../src/modules/catalogue.js';
import { ModuleRegistry, checkModuleArgs, splitKeyValueArgs, type ModuleSpec } from '../../../src/playbook/modules.js';
import { closest, editDistance } from '../../../src/playbook/suggest.js';

const registry = moduleRegistry();
const spec = (name: string): ModuleSpec => registry.get(name)!;
const messages = (r: { problems: { message: string }[] }) => r.problems.map((p) => p.message);

describe('playbook/modules registry', () => {
  it('finds modules by bare name, ansible.builtin./ansible.legacy. prefix and alias', () => {
    expect(registry.get('apt')?.name).to.equal('apt');
    expect(registry.get('ansible.builtin.apt')?.name).to.equal('apt');
    expect(registry.get('ansible.legacy.shell')?.name).to.equal('shell');
    expect(registry.get('ansible.builtin.systemd_service')?.name).to.equal('systemd');
    expect(registry.get('community.general.apt')).to.equal(undefined);
    expect(registry.get('constructor')).to.equal(undefined);
  });

  it('refuses a name another module already uses, and lets a module re-register itself', () => {
    const r = new ModuleRegistry().register({ name: 'a', aliases: ['b'], args: {} });
    expect(() => r.register({ name: 'c', aliases: ['b'], args: {} })).to.throw(/already registered by 'a'/);
    r.register({ name: 'a', args: { x: { type: 'str' } } });
    expect(r.get('b')).to.equal(undefined);
    expect(Object.keys(r.get('a')!.args)).to.deep.equal(['x']);
  });
});

describe('playbook/modules checkModuleArgs', () => {
  it('coerces values to the declared types like Ansible (bool strings, int strings, comma lists)', () => {
    const r = checkModuleArgs(spec('apt'), { name: 'curl, jq', update_cache: 'yes', cache_valid_time: '3600', allow_downgrade: 'no' });
    expect(r.problems).to.deep.equal([]);
    expect(r.args).to.deep.equal({ name: ['curl', 'jq'], update_cache: true, cache_valid_time: 3600, allow_downgrade: false });
  });

  it('converts scalars to strings for str arguments and keeps assert.that strings whole', () => {
    expect(checkModuleArgs(spec('service'), { name: 42, enabled: true }).args).to.deep.equal({ name: '42', enabled: true });
    expect(checkModuleArgs(spec('assert'), { that: "x in ['a', 'b']" }).args).to.deep.equal({ that: ["x in ['a', 'b']"] });
  });

  it('skips type and choice checks for templated values (checked again after rendering)', () => {
    const r = checkModuleArgs(spec('apt'), { name: 'x', state: '{{ wanted }}', update_cache: '{{ refresh }}' });
    expect(r.problems).to.deep.equal([]);
    expect(r.args.state).to.equal('{{ wanted }}');
  });

  it('applies defaults only when asked (the engine does, after templating)', () => {
    expect(checkModuleArgs(spec('wait_for'), { port: 22 }).args).to.deep.equal({ port: 22 });
    expect(checkModuleArgs(spec('wait_for'), { port: 22 }, { applyDefaults: true }).args).to.deep.include({
      port: 22, host: '127.0.0.1', state: 'started', timeout: 300, delay: 0, sleep: 1, connect_timeout: 5,
    });
    expect(checkModuleArgs(spec('reboot'), {}, { applyDefaults: true }).args).to.deep.include({ reboot_timeout: 600, test_command: 'whoami' });
  });

  it('enforces required_one_of and mutually_exclusive, counting free-form text', () => {
    expect(messages(checkModuleArgs(spec('command'), {}))).to.deep.equal(["module 'command' needs one of free-form text, 'cmd', 'argv'"]);
    expect(messages(checkModuleArgs(spec('command'), {}, { freeForm: 'ls' }))).to.deep.equal([]);
    expect(messages(checkModuleArgs(spec('command'), { cmd: 'ls' }, { freeForm: 'ls' }))).to.deep.equal([
      "module 'command': free-form text and 'cmd' exclude each other; give only one",
    ]);
    expect(messages(checkModuleArgs(spec('copy'), { dest: '/x', src: 'a', content: 'b' }))).to.deep.equal([
      "module 'copy': 'src' and 'content' exclude each other; give only one",
    ]);
  });

  it('enforces required_if, including against defaults (lineinfile state=present needs line)', () => {
    expect(messages(checkModuleArgs(spec('file'), { path: '/x', state: 'link' }))).to.deep.equal(["module 'file' with state=link requires 'src'"]);
    expect(messages(checkModuleArgs(spec('lineinfile'), { path: '/x', regexp: 'a' }))).to.deep.equal(["module 'lineinfile' with state=present requires 'line'"]);
    expect(messages(checkModuleArgs(spec('lineinfile'), { path: '/x', regexp: 'a', state: 'absent' }))).to.deep.equal([]);
    expect(messages(checkModuleArgs(spec('lineinfile'), { path: '/x', line: 'a', backrefs: true }))).to.deep.equal([
      "module 'lineinfile' with backrefs=true requires 'regexp'",
    ]);
  });

  it('reports wrong types, unknown arguments with suggestions, and missing required arguments', () => {
    expect(messages(checkModuleArgs(spec('wait_for'), { port: 'ssh', timout: 5 }))).to.deep.equal([
      "argument 'port' of module 'wait_for' must be an integer, not string \"ssh\"",
      "module 'wait_for' has no argument 'timout' (did you mean 'timeout'?); supported: host, port, path, state, timeout, delay, sleep, connect_timeout, search_regex, msg",
    ]);
    expect(messages(checkModuleArgs(spec('fetch'), { src: '/etc/hosts' }))).to.deep.equal(["module 'fetch' requires argument 'dest'"]);
    expect(messages(checkModuleArgs(spec('copy'), { dest: ['x'], content: 'a' }))).to.deep.equal([
      "argument 'dest' of module 'copy' must be a string, not a list",
    ]);
  });

  it('accepts any keys for set_fact but needs at least one', () => {
    expect(checkModuleArgs(spec('set_fact'), { a: 1, cacheable: 'yes' }).args).to.deep.equal({ a: 1, cacheable: true });
    expect(messages(checkModuleArgs(spec('set_fact'), { cacheable: true }))).to.deep.equal(["module 'set_fact' needs at least one key: value pair"]);
  });
});

describe('playbook/modules splitKeyValueArgs', () => {
  const all = () => true;

  it('parses key=value pairs with quotes', () => {
    expect(splitKeyValueArgs(`name=curl state=present msg="a b" other='c d'`, all)).to.deep.equal({
      pairs: { name: 'curl', state: 'present', msg: 'a b', other: 'c d' },
      rest: '',
    });
  });

  it('extracts only the given keys and leaves the rest of the text as written', () => {
    const out = splitKeyValueArgs('echo "x=1  y" creates=/tmp/done  chdir=/srv', (k) => ['creates', 'chdir'].includes(k));
    expect(out).to.deep.equal({ pairs: { creates: '/tmp/done', chdir: '/srv' }, rest: 'echo "x=1  y"' });
  });

  it('returns the text untouched when there are no pairs', () => {
    expect(splitKeyValueArgs('  set -e\n  ls  ', () => false)).to.deep.equal({ pairs: {}, rest: '  set -e\n  ls  ' });
  });
});

describe('playbook/suggest', () => {
  it('counts an adjacent transposition as one edit', () => {
    expect(editDistance('whne', 'when')).to.equal(1);
    expect(editDistance('kitten', 'sitting')).to.equal(3);
  });

  it('suggests only plausible typos', () => {
    expect(closest('becom', ['become', 'become_user'])).to.equal('become');
    expect(closest('xyz', ['when', 'tags'])).to.equal(undefined);
  });
});
