import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { UsageError } from '../../../src/errors.js';
import type { ResumeState } from '../../../src/journal/resume-state.js';
import { planResume, resumeCommand } from '../../../src/cli/commands/resume.js';

const state = (argv: string[] | undefined): ResumeState => ({
  runId: 'b',
  chain: ['a', 'b'],
  command: 'drydock play site.yml',
  cwd: '/w',
  ...(argv ? { argv } : {}),
  plays: new Map(),
});

describe('drydock resume: the command line that continues a run', () => {
  it('runs the recorded arguments again with --resume (an earlier --resume replaced), new -e values and --yes', () => {
    const plan = planResume(state(['play', 'pb.yml', '-i', 'inv', '-e', 'kube_target_version=1.29.4', '--resume', 'a']), { extraVars: ['drain_timeout=60'], yes: true });
    expect(plan.argv).to.deep.equal(['play', 'pb.yml', '-i', 'inv', '-e', 'kube_target_version=1.29.4', '-e', 'drain_timeout=60', '--yes', '--resume', 'b']);
    expect(planResume(state(['upgrade', '--yes', '--resume=a']), { extraVars: [], yes: true }).argv).to.deep.equal(['upgrade', '--yes', '--resume', 'b']);
  });

  it('drops the recorded --notify URLs (the journal kept only scheme://host/…) and passes on the ones given to resume', () => {
    const recorded = state(['play', 'pb.yml', '--notify', 'https://hooks.example.com/…', '--notify=http://h/…', '-i', 'inv']);
    expect(planResume(recorded, { extraVars: [], yes: false }).argv).to.deep.equal(['play', 'pb.yml', '-i', 'inv', '--resume', 'b']);
    expect(planResume(recorded, { extraVars: [], yes: false, notify: ['https://hooks.example.com/T/s3cret'] }).argv).to.deep.equal([
      'play', 'pb.yml', '-i', 'inv', '--notify', 'https://hooks.example.com/T/s3cret', '--resume', 'b',
    ]);
  });

  it('refuses while a masked -e secret is not given again, naming the key; takes it when it is', () => {
    const recorded = state(['play', 'pb.yml', '-e', 'user=me db_password=[REDACTED]', '--extra-vars={"api":{"token":"[REDACTED]"}}']);
    expect(() => planResume(recorded, { extraVars: [], yes: false })).to.throw(
      UsageError,
      'run b was started with db_password, api in -e, which the journal masks; give them again: drydock resume b -e db_password=... -e api=...',
    );
    expect(() => planResume(recorded, { extraVars: ['db_password=s3cret'], yes: false })).to.throw(UsageError, 'give it again: drydock resume b -e api=...');
    const plan = planResume(recorded, { extraVars: ['db_password=s3cret', '{"api": {"token": "t"}}'], yes: false });
    // The recorded value stays (user=me); the new one comes later and wins, as -e merges left to right.
    expect(plan.argv.slice(-6)).to.deep.equal(['-e', 'db_password=s3cret', '-e', '{"api": {"token": "t"}}', '--resume', 'b']);
    expect(plan.resupplied).to.deep.equal(['db_password', 'api']);
  });

  it('refuses a masked secret outside -e, and a journal without recorded arguments', () => {
    expect(() => planResume(state(['play', 'pb.yml', '--vault=token=[REDACTED]']), { extraVars: [], yes: false })).to.throw(UsageError, 'has a secret masked');
    expect(() => planResume(state(undefined), { extraVars: [], yes: false })).to.throw(UsageError, 'run the command again: drydock play site.yml');
  });

  it('prints what is skipped and where each host restarts, then runs the command in the run\'s folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-resume-cmd-'));
    try {
      mkdirSync(join(dir, 'runs'));
      const lines = [
        { kind: 'header', format: 1, runId: 'a', command: 'drydock play pb.yml', cwd: '/somewhere', started: 's', version: 't', host: hostname(), pid: 999_999, argv: ['play', 'pb.yml'] },
        { kind: 'event', at: 'x', event: { type: 'run.start', runId: 'a', command: 'play', hosts: ['n1'], forks: 1, at: 'x', playbookFingerprint: 'fp' } },
        { kind: 'event', at: 'x', event: { type: 'play.start', name: 'roll', hosts: ['n1', 'n2'], playIndex: 0 } },
        { kind: 'event', at: 'x', event: { type: 'batch.end', play: 'roll', playIndex: 0, index: 0, finished: ['n1'] } },
        { kind: 'event', at: 'x', event: { type: 'task.start', name: 'drain', hosts: ['n2'], taskId: '0.tasks/3' } },
      ];
      writeFileSync(join(dir, 'runs', 'a.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      let out = '';
      const ran: string[][] = [];
      const moved: string[] = [];
      const code = await resumeCommand('a', { extraVars: [], yes: true }, {
        stateDir: dir,
        out: { write: (t: string) => ((out += t), true) } as never,
        run: async (argv) => (ran.push(argv), 0),
        cwd: () => '/elsewhere',
        chdir: (d) => moved.push(d),
      });
      expect(code).to.equal(0);
      expect(ran).to.deep.equal([['play', 'pb.yml', '--yes', '--resume', 'a']]);
      expect(moved).to.deep.equal(['/somewhere']);
      expect(out).to.equal(
        [
          'resuming run a: drydock play pb.yml',
          '  play 1 "roll":',
          '    done, left out: n1',
          '    n2: 0 task(s) done (not run again); interrupted at task "drain" in run a, its end not recorded (it may have run in full); restarts at that task',
          '1 task(s) started but their end was not recorded; they may have run in full, and resuming runs them again:',
          '  n2: task "drain" (0.tasks/3) in run a',
          'check them on the hosts first.',
          '  in /somewhere, where the run was started',
          '',
        ].join('\n'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('a task whose end was not recorded', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'drydock-resume-unknown-'));
      mkdirSync(join(dir, 'runs'));
      const lines = [
        { kind: 'header', format: 1, runId: 'a', command: 'drydock play pb.yml', cwd: '/w', started: 's', version: 't', host: hostname(), pid: 999_999, argv: ['play', 'pb.yml'] },
        { kind: 'event', at: 'x', event: { type: 'run.start', runId: 'a', command: 'play', hosts: ['n1'], forks: 1, at: 'x', playbookFingerprint: 'fp' } },
        { kind: 'event', at: 'x', event: { type: 'play.start', name: 'roll', hosts: ['n1'], playIndex: 0 } },
        { kind: 'event', at: 'x', event: { type: 'task.start', name: 'upgrade kubeadm', hosts: ['n1'], taskId: '0.tasks/1' } },
        { kind: 'end', ended: 'e', exitCode: 74, interrupted: true, journalError: 'ENOSPC: no space left on device, write' },
      ];
      writeFileSync(join(dir, 'runs', 'a.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const resume = async (yes: boolean, isTTY: boolean, answer?: string): Promise<{ code: number; ran: string[][]; out: string }> => {
      let out = '';
      const ran: string[][] = [];
      const input = new PassThrough();
      if (answer !== undefined) input.end(`${answer}\n`);
      const code = await resumeCommand('a', { extraVars: [], yes }, {
        stateDir: dir,
        out: { write: (t: string) => ((out += t), true) } as never,
        run: async (argv) => (ran.push(argv), 0),
        cwd: () => '/w',
        input,
        isTTY,
      });
      return { code, ran, out };
    };

    it('without a terminal and without --yes: refuses, naming the task and host, and runs nothing', async () => {
      let ran = 0;
      const err = await resumeCommand('a', { extraVars: [], yes: false }, { stateDir: dir, out: { write: () => true } as never, run: async () => (ran++, 0), cwd: () => '/w', input: new PassThrough(), isTTY: false }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(UsageError);
      expect(ran).to.equal(0);
    });

    it('on a terminal: asks; "n" runs nothing, "y" resumes', async () => {
      const no = await resume(false, true, 'n');
      expect(no.code).to.equal(1);
      expect(no.ran).to.deep.equal([]);
      expect(no.out).to.contain('n1: task "upgrade kubeadm" (0.tasks/1) in run a').and.contain('Proceed? [y/N]');
      const yes = await resume(false, true, 'y');
      expect(yes.code).to.equal(0);
      expect(yes.ran).to.deep.equal([['play', 'pb.yml', '--resume', 'a']]);
    });

    it('--yes resumes without asking', async () => {
      const r = await resume(true, false);
      expect(r.ran).to.deep.equal([['play', 'pb.yml', '--yes', '--resume', 'a']]);
    });
  });
});
