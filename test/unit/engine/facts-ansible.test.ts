/**
 * Gathered facts compared with `ansible -m setup` (ansible-core 2.14.18) on the same machine: the fact script's
 * raw output recorded there (test/fixtures/ansible/facts/drydock-script-output.txt, its environment replaced by
 * a small one) parsed into the names, types and shapes Ansible printed (setup-localhost.json).
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parseFacts } from '../../../src/engine/facts.js';

const DIR = 'test/fixtures/ansible/facts';
/** Change between two reads of the same machine. */
const VOLATILE = new Set(['ansible_memfree_mb', 'ansible_uptime_seconds', 'ansible_env', 'ansible_env_note', 'ansible_interfaces']);
/** Not gathered, said in the README: drydock runs no Python on hosts; the file variety is not worth a probe. */
const NOT_GATHERED = new Set(['ansible_python', 'ansible_distribution_file_variety']);

describe('engine/facts (recorded ansible -m setup)', () => {
  const recorded = JSON.parse(readFileSync(`${DIR}/setup-localhost.json`, 'utf8')) as Record<string, unknown>;
  const { facts, classic } = parseFacts(readFileSync(`${DIR}/drydock-script-output.txt`, 'utf8'));

  it('gives every fact Ansible gave, with the same value and shape', () => {
    for (const [name, value] of Object.entries(recorded)) {
      if (VOLATILE.has(name) || NOT_GATHERED.has(name)) continue;
      expect(classic[name], name).to.deep.equal(value);
    }
    expect(classic['ansible_distribution_version']).to.equal('12.11');
    expect(classic['ansible_python']).to.equal(undefined);
  });

  it('gives the volatile ones in the same shape', () => {
    expect(typeof classic['ansible_memfree_mb']).to.equal('number');
    expect(typeof classic['ansible_uptime_seconds']).to.equal('number');
    expect([...(classic['ansible_interfaces'] as string[])].sort()).to.deep.equal([...(recorded['ansible_interfaces'] as string[])].sort());
    expect(classic['ansible_env']).to.deep.equal({ HOME: '/root', PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', SHELL: '/bin/bash', MULTI: 'line one\nline two' });
  });

  it('puts each fact under ansible_facts without the prefix, as Ansible does', () => {
    for (const [name, value] of Object.entries(classic)) {
      if (!name.startsWith('ansible_')) continue;
      expect(facts[name.slice('ansible_'.length)], name).to.deep.equal(value);
    }
  });
});
