import { expect } from 'chai';
import { UsageError } from '../../../src/errors.js';
import { displayUrl, parseNotifyUrl } from '../../../src/notify/url.js';

describe('notify: --notify URL check', () => {
  it('takes http:// and https:// URLs', () => {
    expect(parseNotifyUrl('https://hooks.example.com/services/T1/B2/s3cret').href).to.equal('https://hooks.example.com/services/T1/B2/s3cret');
    expect(parseNotifyUrl('http://127.0.0.1:8080/hook').port).to.equal('8080');
  });

  for (const [what, value] of [
    ['another scheme', 'ftp://example.com/s3cret-path'],
    ['a file URL', 'file:///etc/s3cret-path'],
    ['no URL at all', 's3cret-path'],
    ['a user and password', 'https://me:s3cret-path@example.com/hook'],
  ] as const) {
    it(`refuses ${what} with a UsageError naming the flag, never echoing the secret`, () => {
      let caught: unknown;
      try {
        parseNotifyUrl(value);
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(UsageError);
      expect((caught as Error).message).to.contain('--notify');
      expect((caught as Error).message).not.to.contain('s3cret');
    });
  }

  it('shows a URL as scheme://host/… only', () => {
    expect(displayUrl(new URL('https://hooks.example.com/services/T1/B2/s3cret?x=1'))).to.equal('https://hooks.example.com/…');
    expect(displayUrl(new URL('http://127.0.0.1:9000/'))).to.equal('http://127.0.0.1:9000/');
    expect(displayUrl(new URL('http://127.0.0.1:9000/?token=abc'))).to.equal('http://127.0.0.1:9000/…');
  });
});
