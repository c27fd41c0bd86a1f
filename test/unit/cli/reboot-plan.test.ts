/** The pure part of `drydock reboot`: flags as playbook variables, the window verdict and its words, host order, the plan text. */
import { expect } from 'chai';
import { UsageError } from '../../../src/errors.js';
import { parseWindow } from '../../../src/policy/window.js';
import {
  closedWindowMessage,
  hostsToReboot,
  orderCandidates,
  parseWholeSeconds,
  rebootSummary,
  rebootVars,
  windowClosedStopMessage,
  windowVerdict,
  type RebootFlags,
} from '../../../src/reboot/plan.js';

const at = (iso: string): number => Date.parse(iso);
const flags = (extra: Partial<RebootFlags> = {}): RebootFlags => ({ onlyIfRequired: false, concurrency: 1, drainTimeoutS: 600, rebootTimeoutS: 600, ...extra });

describe('reboot plan: flags, window verdict, order, summary', () => {
  it('turns the flags into the variables the playbook documents', () => {
    expect(rebootVars(flags({ onlyIfRequired: true, concurrency: 3, blockingPodSelector: 'app=batch', drainTimeoutS: 120, rebootTimeoutS: 300 }))).to.deep.equal({
      only_if_required: true,
      reboot_concurrency: 3,
      drain_timeout: 120,
      reboot_timeout: 300,
      blocking_pod_selector: 'app=batch',
    });
    expect(rebootVars(flags())).to.not.have.property('blocking_pod_selector');
    expect(rebootVars(flags())).to.not.have.property('drain_force');
    expect(rebootVars(flags({ drainForce: true }))).to.include({ drain_force: true });
  });

  it('reads whole seconds, 0 included, and names the flag otherwise', () => {
    expect(parseWholeSeconds('--drain-timeout', '0')).to.equal(0);
    expect(parseWholeSeconds('--drain-timeout', ' 90 ')).to.equal(90);
    expect(() => parseWholeSeconds('--drain-timeout', '1.5')).to.throw(UsageError, '--drain-timeout takes a whole number of seconds (0 or more), not "1.5"');
    expect(() => parseWholeSeconds('--drain-timeout', '-3')).to.throw(UsageError);
  });

  it('window verdict: no window is always open; open gives the closing time; closed gives the next opening', () => {
    const window = parseWindow('Mon-Fri 02:00-05:00', 'Europe/Berlin');
    expect(windowVerdict(undefined, at('2026-11-25T12:00:00Z'))).to.deep.equal({ open: true });
    expect(windowVerdict(window, at('2026-11-25T02:00:00Z'))).to.deep.equal({ open: true, closes: at('2026-11-25T04:00:00Z') });
    expect(windowVerdict(window, at('2026-11-25T21:48:00Z'))).to.deep.equal({ open: false, opens: at('2026-11-26T01:00:00Z') });
    expect(windowVerdict(parseWindow('00:00-24:00'), at('2026-11-25T21:48:00Z'))).to.deep.equal({ open: true });
  });

  it('says when a closed window opens, locally, in UTC and how far away', () => {
    const window = parseWindow('Mon-Fri 02:00-05:00', 'Europe/Berlin');
    expect(closedWindowMessage(window, at('2026-11-26T01:00:00Z'), at('2026-11-25T21:48:00Z'))).to.equal(
      'outside the maintenance window Mon-Fri 02:00-05:00 (Europe/Berlin); it opens at Thu 2026-11-26 02:00 GMT+1 (2026-11-26 01:00 UTC, in 3h12m). Nothing was started and no host was contacted.',
    );
    expect(windowClosedStopMessage(window, at('2026-11-26T04:00:00Z'))).to.equal(
      'the maintenance window Mon-Fri 02:00-05:00 (Europe/Berlin) closed at Thu 2026-11-26 05:00 GMT+1 (2026-11-26 04:00 UTC): no further node will be started',
    );
  });

  it('orders control planes first, then workers, each in play order, within the pattern and without repeats', () => {
    const names: Record<string, string> = { 'cp-a': 'master-1' };
    const order = orderCandidates(
      [['cp-a', 'cp-b'], ['w1', 'cp-a', 'w2', 'w3']],
      (h) => h !== 'w2',
      (h) => names[h] ?? h,
    );
    expect(order).to.deep.equal([
      { host: 'cp-a', node: 'master-1', role: 'control plane' },
      { host: 'cp-b', node: 'cp-b', role: 'control plane' },
      { host: 'w1', node: 'w1', role: 'worker' },
      { host: 'w3', node: 'w3', role: 'worker' },
    ]);
  });

  it('with --only-if-required only hosts whose sentinel was seen are chosen', () => {
    const candidates = [
      { host: 'cp1', node: 'cp1', role: 'control plane' as const, sentinel: false },
      { host: 'w1', node: 'w1', role: 'worker' as const, sentinel: true },
      { host: 'w2', node: 'w2', role: 'worker' as const },
    ];
    expect(hostsToReboot(candidates, true).map((c) => c.host)).to.deep.equal(['w1']);
    expect(hostsToReboot(candidates, false).map((c) => c.host)).to.deep.equal(['cp1', 'w1', 'w2']);
  });

  it('the plan lists the hosts in order with their node names, what is left out, and the window', () => {
    const window = parseWindow('Mon-Fri 02:00-05:00', 'Europe/Berlin');
    const text = rebootSummary({
      candidates: [
        { host: 'cp1', node: 'master-1', role: 'control plane', sentinel: true },
        { host: 'worker1', node: 'worker1', role: 'worker', sentinel: false },
        { host: 'worker2', node: 'worker2', role: 'worker', sentinel: true },
      ],
      flags: flags({ onlyIfRequired: true, concurrency: 2, window, blockingPodSelector: 'app=batch', drainTimeoutS: 300 }),
      verdict: { open: true, closes: at('2026-11-26T04:00:00Z') },
      now: at('2026-11-26T01:30:00Z'),
    });
    expect(text.split('\n')).to.deep.equal([
      'drydock reboot: rolling reboot of 2 node(s), in this order (control planes one at a time, then workers 2 at a time):',
      '  1. cp1      node master-1  control plane  /var/run/reboot-required present',
      '  2. worker2  node worker2   worker         /var/run/reboot-required present',
      'not rebooted (no /var/run/reboot-required): worker1',
      'each node: drain (timeout 300s; DaemonSet pods stay; emptyDir data is deleted), reboot and wait for a new boot id (up to 600s), kubelet running and node Ready, uncordon',
      'a node running pods that match app=batch is postponed: left alone and reported',
      "each host's /var/run/reboot-required is checked again just before its turn",
      'maintenance window Mon-Fri 02:00-05:00 (Europe/Berlin) is open until Thu 2026-11-26 05:00 GMT+1 (2026-11-26 04:00 UTC, in 2h30m); no node starts after that',
      'the first failure stops the run; the node that failed stays cordoned',
      '',
    ]);
  });

  it('without a window or selector the plan says neither; a drain without timeout says so', () => {
    const text = rebootSummary({
      candidates: [{ host: 'w1', node: 'w1', role: 'worker' }],
      flags: flags({ drainTimeoutS: 0 }),
      verdict: { open: true },
      now: 0,
    });
    expect(text).to.include('then workers one at a time').and.include('drain (no timeout;');
    expect(text).to.not.include('maintenance window').and.not.include('postponed').and.not.include('not rebooted');
  });
});
