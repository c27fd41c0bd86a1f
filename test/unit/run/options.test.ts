import { expect } from 'chai';
import { Command, CommanderError } from 'commander';
import { addConnectionOptions, addOutputOptions, addTargetOptions, parseExtraVars, requireInventory, type SharedOptions } from '../../../src/cli/options.js';
import { ConfigError, UsageError } from '../../../src/errors.js';

function parse(args: string[]): { options: SharedOptions; pattern: string; words: string[] } {
  let captured!: { options: SharedOptions; pattern: string; words: string[] };
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  const run = program.command('run').argument('<pattern>').argument('<command...>');
  addTargetOptions(run);
  addConnectionOptions(run);
  addOutputOptions(run);
  run.exitOverride().action((pattern: string, words: string[], options: SharedOptions) => {
    captured = { options, pattern, words };
  });
  program.parse(['node', 'drydock', 'run', ...args]);
  return captured;
}

describe('shared CLI options', () => {
  it('parses run all -i inv -- ls -la, keeping the command words after --', () => {
    const { options, pattern, words } = parse(['all', '-i', 'inv.yml', '-i', 'more.ini', '-f', '50', '--json', '--', 'ls', '-la', '/tmp']);
    expect(pattern).to.equal('all');
    expect(words).to.deep.equal(['ls', '-la', '/tmp']);
    expect(options).to.include({ forks: 50, json: true, become: false });
    expect(options.inventory).to.deep.equal(['inv.yml', 'more.ini']);
  });

  it('defaults forks to 20 and extra vars to {}', () => {
    const { options } = parse(['all', '-i', 'x', '--', 'uptime']);
    expect(options.forks).to.equal(20);
    expect(options.extraVars).to.deep.equal({});
  });

  it('rejects bad forks, timeout and host key policy values', () => {
    for (const bad of [['-f', '0'], ['-f', 'many'], ['--timeout', '-1'], ['--host-key-checking', 'maybe']]) {
      expect(() => parse(['all', '-i', 'x', ...bad, '--', 'uptime'])).to.throw(CommanderError);
    }
    const { options } = parse(['all', '-i', 'x', '--timeout', '2.5', '--host-key-checking', 'accept-new', '-u', 'ops', '--private-key', 'k', '-F', 'cfg', '-b', '--log-file', 'l.jsonl', '--', 'x']);
    expect(options).to.include({ timeout: 2.5, hostKeyChecking: 'accept-new', user: 'ops', privateKey: 'k', sshConfig: 'cfg', become: true, logFile: 'l.jsonl' });
  });

  it('merges -e key=value pairs and JSON objects left to right', () => {
    const { options } = parse(['all', '-i', 'x', '-e', 'a=1 b="two words"', '-e', '{"a": 3, "n": {"k": true}}', '--', 'x']);
    expect(options.extraVars).to.deep.equal({ a: 3, b: 'two words', n: { k: true } });
    expect(() => parseExtraVars('novalue')).to.throw(/key=value/);
    expect(() => parseExtraVars('{bad')).to.throw(/invalid JSON/);
    expect(() => parseExtraVars('@/no/such/vars.yml')).to.throw(ConfigError, /\/no\/such\/vars\.yml.*no such file/);
  });

  it('requires an inventory with a usage error that says how', () => {
    expect(() => requireInventory({ inventory: [] })).to.throw(UsageError, /-i FILE/);
  });
});
