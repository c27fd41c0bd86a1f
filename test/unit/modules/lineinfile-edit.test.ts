import { expect } from 'chai';
import { editLines, expandBackrefs, pythonRegExp, splitKeepEnds } from '../../../src/modules/lineinfile-edit.js';

describe('modules/lineinfile edit (Ansible semantics)', () => {
  it('replaces the LAST line the regexp matches, or the first with firstmatch', () => {
    const text = 'a=1\nb\na=2\n';
    expect(editLines(text, { state: 'present', regexp: '^a=', line: 'a=3' })).to.deep.equal({ text: 'a=1\nb\na=3\n', changed: true, msg: 'line replaced' });
    expect(editLines(text, { state: 'present', regexp: '^a=', line: 'a=3', firstmatch: true }).text).to.equal('a=3\nb\na=2\n');
  });

  it('is idempotent: a second application changes nothing', () => {
    const first = editLines('x\n', { state: 'present', regexp: '^swap', line: 'swap=off' });
    expect(first).to.include({ text: 'x\nswap=off\n', changed: true, msg: 'line added' });
    expect(editLines(first.text, { state: 'present', regexp: '^swap', line: 'swap=off' }).changed).to.equal(false);
    expect(editLines('swap=off\n', { state: 'present', line: 'swap=off' }).changed).to.equal(false);
  });

  it('appends at EOF when nothing matches, adding the missing final newline first', () => {
    expect(editLines('last', { state: 'present', line: 'new' }).text).to.equal('last\nnew\n');
    expect(editLines('', { state: 'present', line: 'only' }).text).to.equal('only\n');
  });

  it('inserts after the last insertafter match, before the last insertbefore match', () => {
    const ini = '[a]\nx=1\n[b]\ny=1\n[a]\n';
    expect(editLines(ini, { state: 'present', line: 'z=1', insertafter: '^\\[a\\]' }).text).to.equal('[a]\nx=1\n[b]\ny=1\n[a]\nz=1\n');
    expect(editLines(ini, { state: 'present', line: 'z=1', insertafter: '^\\[a\\]', firstmatch: true }).text).to.equal('[a]\nz=1\nx=1\n[b]\ny=1\n[a]\n');
    expect(editLines(ini, { state: 'present', line: 'z=1', insertbefore: '^\\[b\\]' }).text).to.equal('[a]\nx=1\nz=1\n[b]\ny=1\n[a]\n');
  });

  it('honours BOF and EOF, and falls back to EOF when insertafter matches nothing', () => {
    expect(editLines('a\nb\n', { state: 'present', line: '#!/bin/sh', insertbefore: 'BOF' }).text).to.equal('#!/bin/sh\na\nb\n');
    expect(editLines('a\nb\n', { state: 'present', line: 'top', insertafter: 'BOF' }).text).to.equal('top\na\nb\n');
    expect(editLines('a\nb\n', { state: 'present', line: 'end', insertafter: 'EOF' }).text).to.equal('a\nb\nend\n');
    expect(editLines('a\nb\n', { state: 'present', line: 'end', insertafter: '^nothing' }).text).to.equal('a\nb\nend\n');
  });

  it('a regexp match takes precedence over insertafter', () => {
    const out = editLines('PermitRootLogin yes\nPort 22\n', { state: 'present', regexp: '^PermitRootLogin', line: 'PermitRootLogin no', insertafter: '^Port' });
    expect(out.text).to.equal('PermitRootLogin no\nPort 22\n');
  });

  it('backrefs: expands groups on a match and leaves the file alone without one', () => {
    expect(editLines('port=80\n', { state: 'present', regexp: '^(port)=\\d+$', line: '\\1=8080', backrefs: true }).text).to.equal('port=8080\n');
    expect(editLines('port=80\n', { state: 'present', regexp: '^(?P<key>port)=', line: '\\g<key>=9', backrefs: true }).text).to.equal('port=9\n');
    expect(editLines('other\n', { state: 'present', regexp: '^(port)=', line: '\\1=1', backrefs: true })).to.include({ changed: false, text: 'other\n' });
  });

  it('search_string matches literally', () => {
    expect(editLines('a.b = 1\naxb = 2\n', { state: 'present', searchString: 'a.b', line: 'a.b = 3' }).text).to.equal('a.b = 3\naxb = 2\n');
  });

  it('state=absent removes every matching line and counts them', () => {
    expect(editLines('/swap a\nkeep\n/swap b\n', { state: 'absent', regexp: '^/swap' })).to.deep.equal({ text: 'keep\n', changed: true, msg: '2 line(s) removed', found: 2 });
    expect(editLines('a\nb\n', { state: 'absent', line: 'b' }).text).to.equal('a\n');
    expect(editLines('a\n', { state: 'absent', line: 'zzz' })).to.include({ changed: false, found: 0 });
  });

  it('translates Python regex syntax and backreference templates', () => {
    expect(pythonRegExp('(?P<k>\\w+)=(?P=k)').test('ab=ab')).to.equal(true);
    const m = /^(a)(?<n>b)$/.exec('ab')!;
    expect(expandBackrefs('\\1-\\g<n>-\\g<2>', m)).to.equal('a-b-b');
    expect(splitKeepEnds('a\nb')).to.deep.equal(['a\n', 'b']);
  });
});
