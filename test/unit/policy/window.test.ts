import { expect } from 'chai';
import { UsageError } from '../../../src/errors.js';
import {
  closingTime,
  describeInstant,
  formatDuration,
  formatLocal,
  isOpen,
  nextOpening,
  parseWindow,
  wallToInstant,
} from '../../../src/policy/window.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('policy/window: parsing', () => {
  it('reads "Mon-Fri 02:00-05:00": weekdays, start and end in seconds', () => {
    const w = parseWindow('Mon-Fri 02:00-05:00', 'Europe/Berlin');
    expect([...w.days].sort()).to.deep.equal([1, 2, 3, 4, 5]);
    expect(w).to.include({ start: 7200, end: 18000, timeZone: 'Europe/Berlin', text: 'Mon-Fri 02:00-05:00' });
  });

  it('reads kured-style day lists, ranges that wrap, long names, and every day without days', () => {
    expect([...parseWindow('mon,wed,fri').days].sort()).to.deep.equal([1, 3, 5]);
    expect([...parseWindow('sat-sun').days].sort()).to.deep.equal([0, 6]);
    expect([...parseWindow('fri-mon 01:00-02:00').days].sort()).to.deep.equal([0, 1, 5, 6]);
    expect([...parseWindow('Monday, Wednesday 1:00-2:00').days].sort()).to.deep.equal([1, 3]);
    expect([...parseWindow('mo-we,sa').days].sort()).to.deep.equal([1, 2, 3, 6]);
    const daily = parseWindow('22:00-04:00');
    expect(daily.days.size).to.equal(7);
    expect(daily).to.include({ start: 22 * 3600, end: 28 * 3600, timeZone: 'UTC' });
    expect(parseWindow('sat-sun')).to.include({ start: 0, end: 86400 });
    expect(parseWindow('sun 00:00-24:00')).to.include({ start: 0, end: 86400 });
    expect(parseWindow('sun 00:00-23:59:59')).to.include({ end: 86399 });
  });

  it('names the part it cannot read', () => {
    const message = (text: string, zone?: string): string => {
      try {
        parseWindow(text, zone);
      } catch (err) {
        expect(err).to.be.instanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error(`"${text}" parsed`);
    };
    expect(message('Mon-Fry 02:00-05:00')).to.include('unknown day "Fry"');
    expect(message('Mon-Fri 02:00-25:00')).to.include('the end time "25:00" is not a time of day');
    expect(message('Mon-Fri 02:60-05:00')).to.include('the start time "02:60"');
    expect(message('Mon-Fri 24:00-05:00')).to.include('the start time "24:00"');
    expect(message('Mon-Fri 02:00')).to.include('cannot read the times "02:00"');
    expect(message('Mon-Fri two-five')).to.include('expected START-END times after the days, found "two-five"');
    expect(message('Mon-Fri 2h-5h')).to.include('cannot read the start time "2h"');
    expect(message('03:00-03:00')).to.include('it starts and ends at 03:00, so it is empty');
    expect(message('mon,,fri')).to.include('empty day');
    expect(message('   ')).to.include('it is empty');
    expect(message('Mon-Fri 02:00-05:00', 'Europe/Berln')).to.equal(
      'unknown time zone "Europe/Berln": give an IANA name such as Europe/Berlin, America/New_York or UTC',
    );
  });
});

describe('policy/window: open, closing, next opening', () => {
  // 2026-11-25 is a Wednesday.
  const weekdays = parseWindow('Mon-Fri 02:00-05:00', 'UTC');

  it('weekdays: open inside, closed at the end (exclusive) and at weekends; next opening skips the weekend', () => {
    expect(isOpen(weekdays, at('2026-11-25T02:00:00Z'))).to.equal(true);
    expect(isOpen(weekdays, at('2026-11-25T04:59:59Z'))).to.equal(true);
    expect(isOpen(weekdays, at('2026-11-25T05:00:00Z'))).to.equal(false);
    expect(isOpen(weekdays, at('2026-11-25T01:59:59Z'))).to.equal(false);
    expect(isOpen(weekdays, at('2026-11-28T03:00:00Z'))).to.equal(false);
    expect(iso(closingTime(weekdays, at('2026-11-25T03:10:00Z')))).to.equal('2026-11-25T05:00:00.000Z');
    expect(closingTime(weekdays, at('2026-11-25T06:00:00Z'))).to.equal(undefined);
    expect(iso(nextOpening(weekdays, at('2026-11-25T06:00:00Z')))).to.equal('2026-11-26T02:00:00.000Z');
    expect(iso(nextOpening(weekdays, at('2026-11-27T05:00:00Z')))).to.equal('2026-11-30T02:00:00.000Z');
    expect(nextOpening(weekdays, at('2026-11-25T03:00:00Z'))).to.equal(at('2026-11-25T03:00:00Z'));
  });

  it('an overnight window belongs to the day it starts on', () => {
    const fridayNight = parseWindow('fri 22:00-04:00');
    expect(isOpen(fridayNight, at('2026-11-27T23:00:00Z'))).to.equal(true);
    expect(isOpen(fridayNight, at('2026-11-28T03:30:00Z')), 'Saturday 03:30 is Friday night').to.equal(true);
    expect(isOpen(fridayNight, at('2026-11-27T03:30:00Z')), 'Friday 03:30 is Thursday night').to.equal(false);
    expect(isOpen(fridayNight, at('2026-11-28T23:00:00Z'))).to.equal(false);
    expect(iso(closingTime(fridayNight, at('2026-11-27T23:00:00Z')))).to.equal('2026-11-28T04:00:00.000Z');
    expect(iso(nextOpening(fridayNight, at('2026-11-28T04:00:00Z')))).to.equal('2026-12-04T22:00:00.000Z');
    const nightly = parseWindow('Mon-Fri 22:00-04:00');
    expect(isOpen(nightly, at('2026-11-30T02:00:00Z')), 'Monday 02:00 belongs to Sunday night').to.equal(false);
    expect(isOpen(nightly, at('2026-11-28T02:00:00Z')), 'Saturday 02:00 belongs to Friday night').to.equal(true);
  });

  it('adjacent days form one open stretch: a whole weekend closes Monday 00:00', () => {
    const weekend = parseWindow('sat-sun');
    expect(iso(nextOpening(weekend, at('2026-11-25T12:00:00Z')))).to.equal('2026-11-28T00:00:00.000Z');
    expect(iso(closingTime(weekend, at('2026-11-28T12:00:00Z')))).to.equal('2026-11-30T00:00:00.000Z');
  });

  it('time zones: the local day and clock decide, not UTC', () => {
    const berlin = parseWindow('Mon-Fri 02:00-05:00', 'Europe/Berlin');
    expect(isOpen(berlin, at('2026-11-25T01:30:00Z')), '02:30 CET').to.equal(true);
    expect(isOpen(berlin, at('2026-11-25T04:30:00Z')), '05:30 CET').to.equal(false);
    expect(iso(closingTime(berlin, at('2026-11-25T01:30:00Z')))).to.equal('2026-11-25T04:00:00.000Z');
    const newYork = parseWindow('Mon-Fri 02:00-05:00', 'America/New_York');
    expect(isOpen(newYork, at('2026-11-25T07:30:00Z')), '02:30 EST').to.equal(true);
    expect(isOpen(newYork, at('2026-11-25T03:00:00Z'))).to.equal(false);
    // Monday 02:00 in Auckland (NZDT, +13) is Sunday 13:00 UTC.
    const auckland = parseWindow('mon 02:00-05:00', 'Pacific/Auckland');
    expect(isOpen(auckland, at('2026-11-29T13:30:00Z'))).to.equal(true);
    expect(iso(nextOpening(auckland, at('2026-11-25T00:00:00Z')))).to.equal('2026-11-29T13:00:00.000Z');
    // Kolkata is +05:30, Chatham +13:45 in summer: offsets that are not whole hours.
    expect(iso(nextOpening(parseWindow('02:00-03:00', 'Asia/Kolkata'), at('2026-11-25T00:00:00Z')))).to.equal('2026-11-25T20:30:00.000Z');
    expect(iso(nextOpening(parseWindow('02:00-03:00', 'Pacific/Chatham'), at('2026-11-25T00:00:00Z')))).to.equal('2026-11-25T12:15:00.000Z');
  });

  it('DST spring forward: a skipped start is read after the gap, the window does not vanish', () => {
    // Europe/Berlin 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    expect(iso(wallToInstant(Date.UTC(2026, 2, 29, 2, 30), 'Europe/Berlin'))).to.equal('2026-03-29T01:30:00.000Z');
    const early = parseWindow('sun 02:00-04:00', 'Europe/Berlin');
    expect(iso(nextOpening(early, at('2026-03-28T12:00:00Z')))).to.equal('2026-03-29T01:00:00.000Z');
    expect(iso(closingTime(early, at('2026-03-29T01:30:00Z')))).to.equal('2026-03-29T02:00:00.000Z');
    expect(isOpen(early, at('2026-03-29T00:59:00Z'))).to.equal(false);
    const inTheGap = parseWindow('sun 02:15-02:45', 'Europe/Berlin');
    expect(iso(nextOpening(inTheGap, at('2026-03-28T12:00:00Z')))).to.equal('2026-03-29T01:15:00.000Z');
    expect(iso(closingTime(inTheGap, at('2026-03-29T01:20:00Z')))).to.equal('2026-03-29T01:45:00.000Z');
    // The week after, the same window is at CEST again (00:15 UTC).
    expect(iso(nextOpening(inTheGap, at('2026-03-29T02:00:00Z')))).to.equal('2026-04-05T00:15:00.000Z');
  });

  it('DST fall back: a repeated wall time is its first occurrence, and the repeated hour stays open', () => {
    // Europe/Berlin 2026-10-25: 03:00 CEST falls back to 02:00 CET (01:00 UTC).
    const w = parseWindow('sun 02:00-03:00', 'Europe/Berlin');
    expect(iso(nextOpening(w, at('2026-10-24T12:00:00Z')))).to.equal('2026-10-25T00:00:00.000Z');
    expect(isOpen(w, at('2026-10-25T01:30:00Z')), '02:30 CET, the second pass').to.equal(true);
    expect(iso(closingTime(w, at('2026-10-25T00:30:00Z')))).to.equal('2026-10-25T02:00:00.000Z');
    // America/New_York 2026-11-01: 02:00 EDT falls back to 01:00 EST.
    const ny = parseWindow('01:00-03:00', 'America/New_York');
    expect(iso(nextOpening(ny, at('2026-11-01T00:00:00Z')))).to.equal('2026-11-01T05:00:00.000Z');
    expect(iso(closingTime(ny, at('2026-11-01T05:00:00Z')))).to.equal('2026-11-01T08:00:00.000Z');
  });
});

describe('policy/window: words for messages', () => {
  it('formats durations from seconds to days', () => {
    expect(formatDuration(20_000)).to.equal('20s');
    expect(formatDuration(60_000)).to.equal('1m');
    expect(formatDuration(61_000)).to.equal('2m');
    expect(formatDuration((3 * 60 + 12) * 60_000)).to.equal('3h12m');
    expect(formatDuration(3 * 3600_000)).to.equal('3h');
    expect(formatDuration((2 * 1440 + 4 * 60) * 60_000)).to.equal('2d4h');
  });

  it('says when, locally and in UTC, and how far away', () => {
    const now = at('2026-11-25T21:48:00Z');
    const opens = at('2026-11-26T01:00:00Z');
    expect(formatLocal(opens, 'Europe/Berlin')).to.equal('Thu 2026-11-26 02:00 GMT+1');
    expect(describeInstant(opens, 'Europe/Berlin', now)).to.equal('Thu 2026-11-26 02:00 GMT+1 (2026-11-26 01:00 UTC, in 3h12m)');
    expect(describeInstant(opens, 'UTC', now)).to.equal('2026-11-26 01:00 UTC (in 3h12m)');
    expect(formatLocal(at('2026-11-26T07:00:00Z'), 'America/New_York')).to.equal('Thu 2026-11-26 02:00 EST');
  });
});

describe('policy/window: a window that never closes', () => {
  it('every day, all day: open now, closing time Infinity; a weekend-only one still closes', () => {
    const always = parseWindow('00:00-24:00', 'Europe/Berlin');
    expect(closingTime(always, at('2026-11-25T12:00:00Z'))).to.equal(Number.POSITIVE_INFINITY);
    expect(closingTime(parseWindow('mon-sun'), at('2026-11-25T12:00:00Z'))).to.equal(Number.POSITIVE_INFINITY);
    expect(iso(closingTime(parseWindow('mon-sat'), at('2026-11-25T12:00:00Z')))).to.equal('2026-11-29T00:00:00.000Z');
  });
});
