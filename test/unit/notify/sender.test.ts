import { expect } from 'chai';
import { NotifySender } from '../../../src/notify/sender.js';
import { FakePorts, settle, type Answer } from './fake-ports.js';

const HOOK = 'https://hooks.example.com/services/s3cret';
const OTHER = 'http://127.0.0.1:9/other-s3cret';
const limits = { tries: 3, backoffMs: 1000, timeoutMs: 5000 };

function sender(script: (url: string, attempt: number) => Answer, urls = [HOOK]): { ports: FakePorts; sender: NotifySender } {
  const ports = new FakePorts(script);
  return { ports, sender: new NotifySender(urls.map((u) => new URL(u)), ports, limits) };
}

describe('notify: sender (retries, order, bound)', () => {
  it('a post answered 500 is tried again after 1 s, then 2 s, and ends at the first 2xx', async () => {
    const { ports, sender: s } = sender((_url, attempt) => (attempt < 3 ? 500 : 204));
    s.send('{"seq":1}');
    expect(await s.drain(10_000)).to.equal(true);
    expect(ports.posts.map((p) => p.body)).to.deep.equal(['{"seq":1}', '{"seq":1}', '{"seq":1}']);
    expect(ports.sleeps.filter((ms) => ms < 10_000)).to.deep.equal([1000, 2000]);
    expect(ports.posts.every((p) => p.timeoutMs === 5000)).to.equal(true);
    expect(ports.warnings).to.deep.equal([]);
  });

  it('tries at most 3 times, then warns once with scheme://host/… only', async () => {
    const { ports, sender: s } = sender(() => 'refuse');
    s.send('{}');
    expect(await s.drain(10_000)).to.equal(true);
    expect(ports.posts).to.have.length(3);
    expect(ports.warnings).to.have.length(1);
    expect(ports.warnings[0]).to.contain('https://hooks.example.com/…').and.contain('3 tries').and.contain('ECONNREFUSED');
    expect(ports.warnings[0]).not.to.contain('s3cret');
  });

  it('does not try again a request the receiver refuses for good (4xx)', async () => {
    const { ports, sender: s } = sender(() => 404);
    s.send('{}');
    await s.drain(10_000);
    expect(ports.posts).to.have.length(1);
    expect(ports.warnings[0]).to.contain('HTTP 404').and.contain('1 try');
  });

  it('tries 429 and 408 again', async () => {
    const { ports, sender: s } = sender((_url, attempt) => (attempt === 1 ? 429 : attempt === 2 ? 408 : 200));
    s.send('{}');
    await s.drain(10_000);
    expect(ports.posts).to.have.length(3);
    expect(ports.warnings).to.deep.equal([]);
  });

  it('keeps the order per URL (a later post waits for the retries of an earlier one); URLs do not wait for each other', async () => {
    const { ports, sender: s } = sender((url, attempt) => (url === HOOK && attempt === 1 ? 503 : 200), [HOOK, OTHER]);
    s.send('a');
    s.send('b');
    s.send('c');
    await s.drain(10_000);
    expect(ports.posts.filter((p) => p.url === HOOK).map((p) => p.body)).to.deep.equal(['a', 'a', 'b', 'c']);
    expect(ports.posts.filter((p) => p.url === OTHER).map((p) => p.body)).to.deep.equal(['a', 'b', 'c']);
  });

  it('send() returns before anything is posted', () => {
    const { ports, sender: s } = sender(() => 200);
    s.send('a');
    expect(ports.posts).to.deep.equal([]);
  });

  it('a receiver that never answers: drain gives up at its bound, warns, and aborts the request in flight', async () => {
    const { ports, sender: s } = sender((url) => (url === HOOK ? 'hang' : 200), [HOOK, OTHER]);
    s.send('a');
    s.send('b');
    let drained: boolean | undefined;
    const draining = s.drain(10_000).then((d) => (drained = d));
    await settle();
    expect(drained).to.equal(undefined); // waiting for the bound
    ports.elapse();
    await draining;
    expect(drained).to.equal(false);
    expect(ports.sleeps).to.include(10_000);
    expect(ports.aborted).to.deep.equal(['a']);
    await settle();
    // 'b' was never sent to the hanging receiver; the other receiver got both.
    expect(ports.posts.filter((p) => p.url === HOOK).map((p) => p.body)).to.deep.equal(['a']);
    expect(ports.posts.filter((p) => p.url === OTHER).map((p) => p.body)).to.deep.equal(['a', 'b']);
    expect(ports.warnings).to.deep.equal(['notify: 2 notification(s) to https://hooks.example.com/… not sent within 10 s; given up']);
  });
});
