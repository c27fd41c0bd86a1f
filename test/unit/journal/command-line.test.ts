import { expect } from 'chai';
import { redactArguments, redactCommandLine } from '../../../src/journal/command-line.js';

describe('journal: the recorded command line', () => {
  it('keeps only scheme://host/… of a --notify URL (its path may be the webhook token), in both spellings', () => {
    const argv = ['play', 'site.yml', '--notify', 'https://hooks.example.com/services/T/B/s3cret', '--notify=http://127.0.0.1:8080/x?token=s3cret', '-e', 'password=hunter2'];
    expect(redactArguments(argv)).to.deep.equal(['play', 'site.yml', '--notify', 'https://hooks.example.com/…', '--notify=http://127.0.0.1:8080/…', '-e', 'password=[REDACTED]']);
    expect(redactCommandLine(['drydock', ...argv])).not.to.contain('s3cret');
  });

  it('masks a --notify value that is not a URL at all', () => {
    expect(redactArguments(['--notify', 's3cret'])).to.deep.equal(['--notify', '[REDACTED]']);
  });
});
