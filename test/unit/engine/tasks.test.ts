import { expect } from 'chai';
import type { RunEvent } from '../../../src/events/events.js';
import { FAKE_MODULES, fakeCommand, inventory, play } from './harness.js';

type ResultEvent = Extract<RunEvent, { type: 'task.result' }>;
const resultEvents = (events: RunEvent[]): ResultEvent[] => events.filter((e): e is ResultEvent => e.type === 'task.result');
const debugMsgs = (events: RunEvent[]): string[] =>
  resultEvents(events)
    .filter((e) => e.result.task.startsWith('show'))
    .map((e) => `${e.result.host}=${String(e.result.data?.['msg'])}`);

describe('engine: task keywords', () => {
  const inv = inventory({ nodes: ['a', 'b'] }, { a: { role: 'inventory-a', colour: 'inv' }, b: { colour: 'inv', zone: 'z2' } });

  it('when / register: registered results carry Ansible keys and steer later conditions', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  tasks:
    - name: probe
      command: probe
      register: probe
    - name: show
      debug:
        msg: "rc={{ probe.rc }} lines={{ probe.stdout_lines | length }} changed={{ probe.changed }} failed={{ probe.failed }}"
    - name: only when a
      command: only-a
      when: probe.stdout_lines[0] == 'yes'
`,
      { inventory: inv, respond: (host) => ({ stdout: host === 'a' ? 'yes\nmore\n' : 'no\n' }) },
    );
    expect(debugMsgs(h.events)).to.deep.equal(['a=rc=0 lines=2 changed=True failed=False', 'b=rc=0 lines=1 changed=True failed=False']);
    expect(h.log.filter((l) => l.includes('only-a'))).to.deep.equal(['a: only-a']);
    expect(h.results('only when a')).to.deep.equal({ a: 'changed', b: 'skipped' });
    expect(h.outcome.stats['b']?.skipped).to.equal(1);
  });

  it('loop: one run per item, `when` per item, results[] registered, loop_control names', async () => {
    const h = await play(
      `
- hosts: a
  gather_facts: false
  tasks:
    - name: each
      command: "do {{ pkg }} {{ idx }}"
      loop: [x, yy, z]
      loop_control: { loop_var: pkg, index_var: idx }
      when: pkg != 'yy'
      register: out
    - name: show
      debug:
        msg: "{{ out.results | map(attribute='skipped', default=false) | list }} {{ out.results | length }} {{ out.changed }}"
`,
      { inventory: inv },
    );
    expect(h.log).to.deep.equal(['a: do x 0', 'a: do z 2']);
    expect(debugMsgs(h.events)).to.deep.equal(['a=[False, True, False] 3 True']);
    const items = resultEvents(h.events).filter((e) => e.item !== undefined);
    expect(items.map((e) => `${e.item}:${e.result.status}`)).to.deep.equal(['x:changed', 'yy:skipped', 'z:changed']);
  });

  it('until / retries / delay: retries on the injected clock, attempts registered, failure when never met', async () => {
    let calls = 0;
    const h = await play(
      `
- hosts: a
  gather_facts: false
  tasks:
    - name: wait ready
      command: status
      register: st
      until: st.stdout == 'ready'
      retries: 5
      delay: 2
    - name: show
      debug: { msg: "{{ st.attempts }}" }
    - name: never
      command: never
      register: nv
      until: nv.stdout == 'ready'
`,
      { inventory: inv, respond: (_h, cmd) => ({ stdout: cmd === 'status' && ++calls >= 3 ? 'ready' : 'wait' }) },
    );
    expect(debugMsgs(h.events)).to.deep.equal(['a=3']);
    expect(h.events.filter((e) => e.type === 'task.retry' && e.task === 'wait ready')).to.have.length(2);
    // Unset retries: 3 attempts in all (Ansible's TaskExecutor default), then the task fails.
    expect(h.log.filter((l) => l.endsWith('never'))).to.have.length(3);
    expect(h.results('never')).to.deep.equal({ a: 'failed' });
  });

  it('failed_when and changed_when override the module', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  tasks:
    - name: grep
      command: grep
      register: g
      failed_when: g.rc > 1
      changed_when: false
    - name: strict
      command: strict
      failed_when: "'ERROR' in stdout_text"
      vars: { stdout_text: "{{ 'ERROR' if inventory_hostname == 'b' else 'fine' }}" }
`,
      { inventory: inv, respond: (_h, cmd) => ({ code: cmd === 'grep' ? 1 : 0 }) },
    );
    expect(h.results('grep')).to.deep.equal({ a: 'ok', b: 'ok' });
    expect(h.results('strict')).to.deep.equal({ a: 'changed', b: 'failed' });
  });

  it('ignore_errors: the host goes on and the failure counts as ignored', async () => {
    const h = await play(
      `
- hosts: a
  gather_facts: false
  tasks:
    - command: breaks
      ignore_errors: true
    - command: next
`,
      { inventory: inv, respond: (_h, cmd) => ({ code: cmd === 'breaks' ? 3 : 0 }) },
    );
    expect(h.log).to.deep.equal(['a: breaks', 'a: next']);
    // As Ansible 2.14: the ignored command's result says changed, so it counts as changed too (recorded in
    // test/fixtures/ansible/play-semantics/ignored-changed.json).
    expect(h.outcome.stats['a']).to.include({ ignored: 1, failed: 0, ok: 2, changed: 2 });
    expect(h.outcome.exitCode).to.equal(0);
  });

  it('block / rescue / always: a rescued host counts rescued (not failed), always runs even for failed hosts', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  tasks:
    - block:
        - command: risky
        - command: not reached on a
      rescue:
        - command: rescue
      always:
        - command: always
    - block:
        - command: second risky
      always:
        - command: cleanup
    - command: end
`,
      { inventory: inv, respond: (host, cmd) => ({ code: (host === 'a' && cmd === 'risky') || (host === 'b' && cmd === 'second risky') ? 1 : 0 }) },
    );
    expect(h.log.filter((l) => l.startsWith('a:'))).to.deep.equal(['a: risky', 'a: rescue', 'a: always', 'a: second risky', 'a: cleanup', 'a: end']);
    expect(h.log.filter((l) => l.startsWith('b:'))).to.deep.equal(['b: risky', 'b: not reached on a', 'b: always', 'b: second risky', 'b: cleanup']);
    expect(h.outcome.stats['a']).to.include({ rescued: 1, failed: 0 });
    expect(h.outcome.stats['b']).to.include({ failed: 1, rescued: 0 });
    expect(h.outcome.failedHosts).to.deep.equal(['b']);
    expect(h.outcome.exitCode).to.equal(2);
  });

  it('run_once: runs on the first host of the batch and gives every host its registered result', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  tasks:
    - name: leader
      command: pick
      run_once: true
      register: leader
    - name: show
      debug: { msg: "{{ leader.stdout }}" }
`,
      { inventory: inv, respond: (host) => ({ stdout: `chosen-by-${host}` }) },
    );
    expect(h.log).to.deep.equal(['a: pick']);
    expect(debugMsgs(h.events)).to.deep.equal(['a=chosen-by-a', 'b=chosen-by-a']);
  });

  it('a failed run_once task fails every host of the batch', async () => {
    const h = await play(`\n- hosts: nodes\n  gather_facts: false\n  tasks:\n    - command: pick\n      run_once: true\n    - command: after\n`, {
      inventory: inv,
      respond: () => ({ code: 1 }),
    });
    expect(h.log).to.deep.equal(['a: pick']);
    expect(h.outcome.failedHosts).to.deep.equal(['a', 'b']);
  });

  it('variable precedence: -e beats task vars beat play vars beat inventory', async () => {
    const h = await play(
      `
- hosts: a
  gather_facts: false
  vars: { colour: play, role: play-role, size: play }
  tasks:
    - name: show vars
      debug: { msg: "{{ colour }} {{ role }} {{ size }}" }
      vars: { size: task }
    - name: show magic
      debug: { msg: "{{ inventory_hostname }} {{ groups['nodes'] | join(',') }} {{ hostvars['b'].zone }} {{ ansible_play_hosts_all | length }}" }
`,
      { inventory: inv, options: { extraVars: { colour: 'extra' } } },
    );
    expect(debugMsgs(h.events)).to.deep.equal(['a=extra play-role task', 'a=a a,b z2 1']);
  });

  it('set_fact values are visible to later tasks of the host', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  tasks:
    - set_fact: { target_version: "1.{{ 29 if inventory_hostname == 'a' else 30 }}" }
    - name: show
      debug: { msg: "{{ target_version }}" }
`,
      { inventory: inv },
    );
    expect(debugMsgs(h.events)).to.deep.equal(['a=1.29', 'b=1.30']);
  });

  it('registered output is data: braces in a command output are never templated', async () => {
    const h = await play(
      `
- hosts: a
  gather_facts: false
  tasks:
    - command: cat
      register: out
    - name: show
      debug: { msg: "{{ out.stdout }}" }
`,
      { inventory: inv, respond: () => ({ stdout: '{{ undefined_thing }}' }) },
    );
    expect(debugMsgs(h.events)).to.deep.equal(['a={{ undefined_thing }}']);
  });

  it('until and failed_when read the result as data too', async () => {
    const h = await play(
      `
- hosts: a
  gather_facts: false
  tasks:
    - name: probe
      command: probe
      register: p
      until: "'{{' in p.stdout"
      failed_when: "p.stdout != '{{ nope }}'"
`,
      { inventory: inv, respond: () => ({ stdout: '{{ nope }}' }) },
    );
    expect(h.results('probe')).to.deep.equal({ a: 'changed' });
  });

  it("a name set_fact'ed on one host stays a template on another host", async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  vars: { base: v1, version: "{{ base }}.2" }
  tasks:
    - set_fact: { version: pinned }
      when: inventory_hostname == 'a'
    - name: show
      debug: { msg: "{{ version }}" }
`,
      { inventory: inv },
    );
    expect(debugMsgs(h.events)).to.deep.equal(['a=pinned', 'b=v1.2']);
  });

  it('an undefined variable fails the host with the name in the message; ignore_errors covers it, as Ansible', async () => {
    const h = await play(`\n- hosts: a\n  gather_facts: false\n  tasks:\n    - command: "echo {{ nope }}"\n      ignore_errors: true\n`, { inventory: inv });
    const result = resultEvents(h.events)[0]!;
    expect(result.result.status).to.equal('ignored');
    expect(result.result.msg).to.contain('nope');
    expect(h.calls).to.have.length(0);
  });

  it('no_log hides the result in events but keeps the registered value', async () => {
    const h = await play(
      `
- hosts: a
  gather_facts: false
  tasks:
    - command: secret
      no_log: true
      register: s
    - name: show
      debug: { msg: "{{ s.stdout | length }}" }
`,
      { inventory: inv, respond: () => ({ stdout: 'hunter2' }) },
    );
    const hidden = resultEvents(h.events)[0]!;
    expect(JSON.stringify(hidden)).not.to.contain('hunter2');
    expect(hidden.result.msg).to.contain("'no_log: true'");
    expect(debugMsgs(h.events)).to.deep.equal(['a=7']);
  });

  it('environment, become and timeout reach the command', async () => {
    const h = await play(
      `
- hosts: a
  gather_facts: false
  environment: { LANG: C, LEVEL: play }
  tasks:
    - block:
        - command: run
          environment: { LEVEL: task }
          timeout: 30
      become: true
      become_user: kube
`,
      { inventory: inv },
    );
    const { options } = h.calls[0]!;
    expect(options.env).to.deep.equal({ LANG: 'C', LEVEL: 'task' });
    expect(options.become).to.deep.equal({ enabled: true, user: 'kube' });
    expect(options.timeoutMs).to.be.within(29_000, 30_000);
  });

  it('timeout: a task that outlives it fails only its host', async () => {
    const h = await play(
      `\n- hosts: nodes\n  gather_facts: false\n  tasks:\n    - command: slow\n      timeout: 5\n    - command: next\n`,
      {
        inventory: inv,
        respond: (host, _cmd, options) =>
          host === 'a' && _cmd === 'slow'
            ? new Promise((resolve) => options.signal?.addEventListener('abort', () => resolve({ code: null, signal: 'KILL' })))
            : {},
      },
    );
    const slow = resultEvents(h.events).find((e) => e.result.host === 'a')!;
    expect(slow.result.status).to.equal('failed');
    expect(slow.result.msg).to.contain('timeout of 5 seconds');
    expect(h.log).to.include('b: next');
    expect(h.log).not.to.include('a: next');
    expect(h.outcome.exitCode).to.equal(2);
  });

  it('delegate_to: localhost runs on the controller, another host through its own connection', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  tasks:
    - command: "kubectl drain {{ inventory_hostname }}"
      delegate_to: localhost
    - command: "on b for {{ inventory_hostname }}"
      delegate_to: b
`,
      { inventory: inv },
    );
    expect(h.log).to.deep.equal(['controller: kubectl drain a', 'controller: kubectl drain b', 'b: on b for a', 'b: on b for b']);
    expect(resultEvents(h.events)[0]!.delegatedTo).to.equal('localhost');
  });

  it('a host skipped by `when` does not template its delegate_to', async () => {
    const h = await play(
      `\n- hosts: nodes\n  gather_facts: false\n  tasks:\n    - command: x\n      delegate_to: "{{ peer }}"\n      when: peer is defined\n`,
      { inventory: inventory({ nodes: ['a', 'b'] }, { a: { peer: 'b' } }) },
    );
    expect(h.results('command')).to.deep.equal({ a: 'changed', b: 'skipped' });
    expect(h.log).to.deep.equal(['b: x']);
  });

  it('tags: --tags, --skip-tags, always and never', async () => {
    const text = `
- hosts: a
  gather_facts: false
  tasks:
    - { command: plain }
    - { command: tagged-x, tags: [x] }
    - { command: always, tags: [always] }
    - { command: never, tags: [never] }
    - { command: never-debug, tags: [never, debug] }
    - block:
        - { command: in-block-web }
      tags: [web]
`;
    const run = async (tags: string[], skipTags: string[] = []) =>
      (await play(text, { inventory: inv, options: { tags, skipTags } })).log.map((l) => l.slice(3));
    expect(await run([])).to.deep.equal(['plain', 'tagged-x', 'always', 'in-block-web']);
    expect(await run(['x'])).to.deep.equal(['tagged-x', 'always']);
    expect(await run(['debug'])).to.deep.equal(['always', 'never-debug']);
    expect(await run(['web'])).to.deep.equal(['always', 'in-block-web']);
    expect(await run(['untagged'])).to.deep.equal(['plain', 'always']);
    expect(await run([], ['x', 'web'])).to.deep.equal(['plain', 'always']);
    expect(await run([], ['always'])).to.deep.equal(['plain', 'tagged-x', 'in-block-web']);
  });

  it('--start-at-task skips everything before the named task', async () => {
    const h = await play(
      `\n- hosts: a\n  gather_facts: false\n  tasks:\n    - { name: one, command: one }\n    - { name: two, command: two }\n    - { name: three, command: three }\n`,
      { inventory: inv, options: { startAtTask: 'tw*' } },
    );
    expect(h.log).to.deep.equal(['a: two', 'a: three']);
    // With serial, only the first batch skips: later batches have not run the earlier tasks yet.
    const serial = await play(
      `\n- hosts: nodes\n  gather_facts: false\n  serial: 1\n  tasks:\n    - { name: one, command: one }\n    - { name: two, command: two }\n`,
      { inventory: inv, options: { startAtTask: 'two' } },
    );
    expect(serial.log).to.deep.equal(['a: two', 'b: one', 'b: two']);
  });

  it('check mode: unsupported modules are skipped, supported ones get ctx.check, check_mode: false really runs', async () => {
    const h = await play(
      `
- hosts: a
  gather_facts: false
  tasks:
    - name: cmd
      command: change-things
    - name: cp
      copy: { src: x, dest: /etc/x }
    - name: forced
      command: really
      check_mode: false
    - name: show
      debug: { msg: "{{ ansible_check_mode }}" }
`,
      { inventory: inv, options: { check: true } },
    );
    expect(h.log).to.deep.equal(['a: really']);
    expect(h.results('cmd')).to.deep.equal({ a: 'skipped' });
    expect(resultEvents(h.events)[0]!.result.msg).to.contain('check mode');
    expect(h.results('cp')).to.deep.equal({ a: 'changed' });
    expect(debugMsgs(h.events)).to.deep.equal(['a=true']);
  });

  it('meta: end_host stops one host, end_play the whole play', async () => {
    const h = await play(
      `
- hosts: nodes
  gather_facts: false
  tasks:
    - meta: end_host
      when: inventory_hostname == 'a'
    - command: after end_host
    - meta: end_play
    - command: after end_play
- hosts: a
  gather_facts: false
  tasks:
    - command: next play
`,
      { inventory: inv },
    );
    expect(h.log).to.deep.equal(['b: after end_host', 'a: next play']);
    expect(h.outcome.exitCode).to.equal(0);
  });

  it('gathers facts in one command per host and exposes them', async () => {
    const facts = 'hostname=a\nfqdn=a.example\nkernel=6.1.0\narchitecture=x86_64\nsystem=Linux\nboot_id=abc-123\nuptime=123.45\nos_id=debian\nos_version=12\nos_codename=bookworm\nos_name=Debian GNU/Linux\npkg_mgr=apt-get\n';
    const h = await play(
      `
- hosts: a
  tasks:
    - name: show
      debug: { msg: "{{ ansible_distribution }} {{ ansible_distribution_version }} {{ ansible_facts.distribution_release }} {{ ansible_pkg_mgr }} {{ drydock_boot_id }} {{ ansible_facts.uptime_seconds }}" }
`,
      { inventory: inv, respond: () => ({ stdout: facts }) },
    );
    expect(h.calls).to.have.length(1);
    expect(debugMsgs(h.events)).to.deep.equal(['a=Debian 12 bookworm apt abc-123 123']);
  });

  it('refuses nothing silently: a module without an implementation fails the host with a clear message', async () => {
    const modules = new Map(FAKE_MODULES);
    modules.delete('copy');
    const h = await play(`\n- hosts: a\n  gather_facts: false\n  tasks:\n    - copy: { src: x, dest: y }\n`, { inventory: inv, modules });
    expect(resultEvents(h.events)[0]!.result.msg).to.contain("no implementation of module 'copy'");
    expect(fakeCommand.name).to.equal('command');
  });
});
