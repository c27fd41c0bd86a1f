/**
 * get_url, uri and unarchive (issue #17) against a real sshd (loopback fleet): HTTP requests made from the host,
 * archives unpacked there; compared with what ansible-playbook 2.14 did (test/fixtures/ansible/http, unarchive).
 */
import { mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import type { SshConnection } from '../../../src/transport/ssh.js';
import type { Fleet } from '../../helpers/fleet.js';
import { FIXTURES, closeModuleFleet, expectKeys, fixture, moduleRunner, openModuleFleet } from './fleet-setup.js';

describe('issue #17 HTTP and archive modules against a real sshd (loopback fleet)', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  let conn: SshConnection;
  let dir: string;

  before(async () => {
    ({ fleet, conn, dir } = await openModuleFleet({ firstAddress: '127.0.119.1', dirPrefix: 'drydock-ansmod-' }));
  });
  after(() => closeModuleFleet({ fleet, conn, dir }));
  const run = moduleRunner(() => conn);

  describe('get_url and uri, requested from the host (compared with test/fixtures/ansible/http)', () => {
    let server: Server;
    let base: string;
    const seen: { url: string; authorization?: string; method: string; body: string }[] = [];
    const modified = new Date(Date.now() - 3600_000);
    before(async () => {
      server = createHttpServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          seen.push({ url: req.url ?? '', method: req.method ?? '', body, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
          const since = req.headers['if-modified-since'];
          if (req.url === '/file.txt') {
            if (since && new Date(since) >= new Date(modified.toUTCString())) return res.writeHead(304).end();
            return res.writeHead(200, { 'Content-Type': 'text/plain', 'Last-Modified': modified.toUTCString() }).end('payload\n');
          }
          if (req.url === '/data.json') return res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '27' }).end('{"a": 1, "b": [true, null]}');
          if (req.url === '/echo') return res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ method: req.method, body, type: req.headers['content-type'] }));
          res.writeHead(404, { 'Content-Type': 'text/html' }).end('<h1>nope</h1>');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await new Promise((resolve) => server?.close(resolve));
    });

    it('get_url downloads once, gets a 304 the second time, skips the request when the checksum holds, and fails on 404', async () => {
      const recorded = await fixture('http');
      const dest = join(dir, 'got.txt');
      const first = await run('get_url', { args: { url: `${base}/file.txt`, dest, mode: '0600' } });
      expectKeys(first, recorded.get!, ['src']);
      expect(first).to.include({ changed: true, msg: recorded.get!.msg, status_code: 200, checksum_src: recorded.get!.checksum_src, md5sum: recorded.get!.md5sum, mode: '0600' });
      expect(await readFile(dest, 'utf8')).to.equal('payload\n');
      await utimes(dest, new Date(), new Date());
      const again = await run('get_url', { args: { url: `${base}/file.txt`, dest } });
      expect(again).to.include({ changed: false, msg: recorded['get again']!.msg, status_code: 304 });
      const requests = seen.length;
      const sum = createHash('sha256').update('payload\n').digest('hex');
      const known = await run('get_url', { args: { url: `${base}/file.txt`, dest, checksum: `sha256:${sum}` } });
      expect(known).to.include({ changed: false, msg: recorded['get checksum ok']!.msg });
      expect(seen.length).to.equal(requests);
      const missing = await run('get_url', { args: { url: `${base}/missing`, dest: join(dir, 'none.txt') } });
      expect(missing).to.include({ failed: true, msg: recorded['get 404']!.msg, status_code: 404 });
      const bad = await run('get_url', { args: { url: `${base}/file.txt`, dest: join(dir, 'bad.txt'), checksum: 'sha256:00ff' } });
      expect(bad).to.include({ failed: true });
      expect(bad.msg).to.match(/did not match/);
    });

    it('uri returns the status, headers and parsed JSON, checks status_code, sends bodies, and masks secrets', async () => {
      const recorded = await fixture('http');
      const json = await run('uri', { args: { url: `${base}/data.json`, return_content: true, headers: { Authorization: 'Bearer s3cret' } } });
      expect(json).to.deep.include({ changed: false, status: 200, json: recorded['uri json']!.json, content: recorded['uri json']!.content, content_type: 'application/json', redirected: false, msg: recorded['uri json']!.msg });
      expectKeys(json, recorded['uri json']!, ['date', 'server', 'last_modified']);
      expect(seen[seen.length - 1]!.authorization).to.equal('Bearer s3cret');
      const noContent = await run('uri', { args: { url: `${base}/data.json` } });
      expect(noContent).to.not.have.property('content');
      expect(noContent.json).to.deep.equal(recorded['uri no content']!.json);
      const wrong = await run('uri', { args: { url: `${base}/missing`, status_code: [200, 201] } });
      expect(wrong).to.include({ failed: true, status: 404 });
      expect(wrong.msg).to.match(/^Status code was 404 and not \[200, 201\]: HTTP Error 404/);
      expect(await run('uri', { args: { url: `${base}/missing`, status_code: 404 } })).to.include({ changed: false, status: 404 });
      const posted = await run('uri', { args: { url: `${base}/echo`, method: 'POST', body: { x: 1 }, body_format: 'json', status_code: 201, return_content: true } });
      expect(posted.json).to.deep.equal({ method: 'POST', body: '{"x":1}', type: 'application/json' });
      const secret = await run('uri', { args: { url: `${base}/echo`, method: 'PUT', body: 'token=hunter2', url_username: 'bob', url_password: 'hunter2', status_code: 201, return_content: true } });
      expect(seen[seen.length - 1]!.authorization).to.equal(`Basic ${Buffer.from('bob:hunter2').toString('base64')}`);
      expect(JSON.stringify(secret)).to.not.include('hunter2');
      expect(secret.content).to.include('token=********');
    });
  });
  describe('unarchive (compared with test/fixtures/ansible/unarchive)', () => {
    it('unpacks tar.gz and zip on the host once, changes nothing the second time, honours creates and refuses a missing dest', async () => {
      const recorded = await fixture('unarchive');
      for (const [kind, archive] of [['tgz', 'a.tar.gz'], ['zip', 'a.zip']] as const) {
        const dest = join(dir, `un-${kind}`);
        await mkdir(dest);
        const args = { src: join(FIXTURES, 'unarchive', archive), dest, remote_src: true };
        const first = await run('unarchive', { args });
        expect(first, kind).to.include({ changed: recorded[kind]!.changed, handler: recorded[kind]!.handler, state: 'directory' });
        expectKeys(first, recorded[kind]!, ['diff', 'extract_results']);
        expect(await readFile(join(dest, 'd/one.txt'), 'utf8')).to.equal('one\n');
        expect(await readFile(join(dest, 'two.txt'), 'utf8')).to.equal('two\n');
        const again = await run('unarchive', { args });
        expect(again, kind).to.include({ changed: recorded[`${kind} again`]!.changed });
        await writeFile(join(dest, 'two.txt'), 'edited\n');
        expect((await run('unarchive', { args, check: true })).changed).to.equal(true);
        expect(await readFile(join(dest, 'two.txt'), 'utf8')).to.equal('edited\n');
      }
      const ctrl = join(dir, 'un-ctrl');
      await mkdir(ctrl);
      const fromController = await run('unarchive', { args: { src: 'a.zip', dest: ctrl, mode: 'u=rwX,go=rX' }, searchPath: [join(FIXTURES, 'unarchive')] });
      expect(fromController).to.include({ changed: true, handler: 'ZipArchive' });
      expect((await stat(join(ctrl, 'd/one.txt'))).mode & 0o777).to.equal(0o644);
      const skipped = await run('unarchive', { args: { src: 'a.zip', dest: ctrl, creates: join(ctrl, 'two.txt'), remote_src: true } });
      expect(skipped).to.include({ changed: false, skipped: true, msg: recorded.creates!.msg!.toString().replace('/tmp/ansref/w/z', ctrl) });
      const noDest = await run('unarchive', { args: { src: join(FIXTURES, 'unarchive/a.zip'), dest: join(dir, 'nope'), remote_src: true } });
      expect(noDest).to.include({ failed: true, msg: String(recorded['no dest']!.msg).replace('/tmp/ansref/w/nope', join(dir, 'nope')) });
    });
  });
});
