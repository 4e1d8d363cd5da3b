// CronJob schedules evaluated as kube-controller-manager evaluates them: each expectation is what
// robfig/cron v3.0.1's ParseStandard(...).Next(...) returned for the same schedule and time.

import { expect } from 'chai';
import { cronScheduleError, parseCronSchedule } from '../../server/registry/resources/batch-schedule.js';

const cases: Array<[schedule: string, after: string, next: string | undefined]> = [
  ['*/5 * * * *', '2026-12-01T23:41:30Z', '2026-12-01T23:45:00Z'],
  ['0 0 1 1 *', '2026-12-01T23:41:30Z', '2027-01-01T00:00:00Z'],
  ['@weekly', '2026-12-01T23:41:30Z', '2026-12-06T00:00:00Z'],
  ['@hourly', '2026-12-01T23:00:00Z', '2026-12-02T00:00:00Z'],
  ['30 2 * * 1-5', '2026-12-05T23:41:30Z', '2026-12-07T02:30:00Z'],
  // Day of month and day of week, both given: either matches.
  ['0 9 13 * 5', '2026-12-01T00:00:00Z', '2026-12-04T09:00:00Z'],
  ['0 9 13 * *', '2026-12-01T00:00:00Z', '2026-12-13T09:00:00Z'],
  ['0-10/3 */2 * jan,jul sun', '2026-12-01T23:41:30Z', '2027-01-03T00:00:00Z'],
  // 02:30 does not exist on the day clocks spring forward: that day is skipped.
  ['TZ=America/New_York 30 2 * * *', '2027-03-13T12:00:00Z', '2027-03-15T06:30:00Z'],
  // 01:30 happens twice on the day clocks fall back: the first one counts.
  ['TZ=America/New_York 30 1 * * *', '2027-11-07T04:00:00Z', '2027-11-07T05:30:00Z'],
  ['TZ=America/New_York 0 9 * * *', '2027-03-13T12:00:00Z', '2027-03-13T14:00:00Z'],
  ['TZ=Asia/Kolkata 0 0 * * *', '2027-03-13T12:00:00Z', '2027-03-13T18:30:00Z'],
  ['CRON_TZ=Europe/Berlin 0 3 * * 0', '2027-03-27T12:00:00Z', '2027-03-28T01:00:00Z'],
  ['@every 90s', '2026-12-01T23:41:30.5Z', '2026-12-01T23:43:00Z'],
  ['@every 1h30m', '2026-12-01T23:41:30Z', '2026-12-02T01:11:30Z'],
  ['0 0 29 2 *', '2026-12-01T23:41:30Z', '2028-02-29T00:00:00Z'],
  // Never: robfig gives up after five years and returns the zero time.
  ['0 0 30 2 *', '2026-12-01T23:41:30Z', undefined],
];

describe('cron schedules', () => {
  for (const [schedule, after, next] of cases) {
    it(`${schedule} after ${after} is next at ${next ?? 'no time'}`, () => {
      const at = parseCronSchedule(schedule).next(new Date(after));
      expect(at?.toISOString().replace('.000Z', 'Z')).to.equal(next);
    });
  }

  it('report the parse errors of cron.ParseStandard', () => {
    expect(cronScheduleError('15 10 L * *')).to.equal('failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax');
    expect(cronScheduleError('* * * *')).to.equal('expected exactly 5 fields, found 4: [* * * *]');
    expect(cronScheduleError('@every 1x')).to.equal('failed to parse duration @every 1x: time: unknown unit "x" in duration "1x"');
    expect(cronScheduleError('*/5 * * * *')).to.equal(undefined);
  });
});
