/**
 * The upgrade's host script run by a real `sh`, with dpkg-query, apt-get and apt-cache stood in by small
 * scripts on PATH: it reports what is installed and held, asks each minor's repository through a throw-away
 * sources list and lists folder (then removes them), and leaves kubernetes.list as it was.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { factsScript, parseFactsOutput } from '../../../src/upgrade/host-facts.js';

const run = promisify(execFile);
const LIST = 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.28/deb/ /\n';

describe('upgrade: the host facts script under a real shell', function () {
  this.timeout(20_000);
  let dir = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'drydock-facts-'));
    const bin = join(dir, 'bin');
    const tool = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    mkdirSync(bin);
    tool('dpkg-query', "printf '@pkg kubeadm\\t1.28.14-1.1\\thold ok installed\\n@pkg kubelet\\t1.28.14-1.1\\tinstall ok installed\\n'; echo 'dpkg-query: no packages found matching kubectl' >&2; exit 1");
    // apt-get: records where it was pointed and what the sources list said; the 1.30 repository is unreachable.
    tool(
      'apt-get',
      `log=${join(dir, 'apt.log')}
for arg in "$@"; do case "$arg" in Dir::Etc::SourceList=*) src=\${arg#*=};; Dir::State::Lists=*) lists=\${arg#*=};; esac; done
echo "update lists=$lists sources=$(cat "$src")" >> "$log"
echo "$lists" >> ${join(dir, 'lists-dirs')}
case "$(cat "$src")" in *v1.30*) echo "Reading package lists..."; echo "E: Failed to fetch https://pkgs.k8s.io/core:/stable:/v1.30/deb/InRelease  Could not resolve 'pkgs.k8s.io'"; exit 100;; esac
touch "$lists/pkgs.k8s.io_core_stable_Packages"`,
    );
    tool(
      'apt-cache',
      `for arg in "$@"; do case "$arg" in Dir::Etc::SourceList=*) src=\${arg#*=};; esac; done
for p in kubeadm kubelet kubectl; do
  echo "   $p | 1.29.4-1.1 | https://pkgs.k8s.io/core:/stable:/v1.29/deb  Packages"
  echo "   $p | 1.29.3-1.1 | https://pkgs.k8s.io/core:/stable:/v1.29/deb  Packages"
done`,
    );
    writeFileSync(join(dir, 'kubernetes.list'), LIST);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads packages, holds, the repository and each minor\'s offers; changes nothing outside its temporary folders', async () => {
    const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? ''}`, TMPDIR: dir };
    const { stdout } = await run('sh', ['-c', factsScript(['1.29', '1.30'], join(dir, 'kubernetes.list'))], { env });
    const facts = parseFactsOutput(stdout);
    expect(facts.installed).to.deep.equal({ kubeadm: { version: '1.28.14-1.1', held: true }, kubelet: { version: '1.28.14-1.1', held: false } });
    expect(facts.repo.minor).to.equal('1.28');
    expect(facts.offers[0]).to.deep.equal({ minor: '1.29', versions: { kubeadm: ['1.29.4-1.1', '1.29.3-1.1'], kubelet: ['1.29.4-1.1', '1.29.3-1.1'], kubectl: ['1.29.4-1.1', '1.29.3-1.1'] } });
    expect(facts.offers[1]!.minor).to.equal('1.30');
    expect(facts.offers[1]!.error).to.equal("E: Failed to fetch https://pkgs.k8s.io/core:/stable:/v1.30/deb/InRelease  Could not resolve 'pkgs.k8s.io'");

    const log = readFileSync(join(dir, 'apt.log'), 'utf8').trim().split('\n');
    expect(log).to.have.length(2);
    expect(log[0]).to.include('sources=deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.29/deb/ /');
    expect(log[1]).to.include('/core:/stable:/v1.30/deb/');
    // Each lookup had its own lists folder under TMPDIR, gone afterwards; kubernetes.list is untouched.
    const listsDirs = readFileSync(join(dir, 'lists-dirs'), 'utf8').trim().split('\n');
    for (const lists of listsDirs) {
      expect(lists.startsWith(`${dir}/`), lists).to.equal(true);
      expect(existsSync(lists), lists).to.equal(false);
    }
    expect(readFileSync(join(dir, 'kubernetes.list'), 'utf8')).to.equal(LIST);
  });

  it('a host without kubernetes.list says so and asks no repository', async () => {
    const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? ''}`, TMPDIR: dir };
    const { stdout } = await run('sh', ['-c', factsScript(['1.29'], join(dir, 'missing.list'))], { env });
    const facts = parseFactsOutput(stdout);
    expect(facts.repo.problem).to.match(/is missing: this host has no Kubernetes package repository/);
    expect(facts.offers).to.deep.equal([]);
  });
});
