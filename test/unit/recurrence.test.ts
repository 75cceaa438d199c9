import { shortestCronGapSeconds } from '../../domain/recurrence';

const from = new Date('2030-01-01T00:00:00Z');

describe('shortestCronGapSeconds', () => {
  it.each([
    ['* * * * * *', 1],
    ['*/10 * * * * *', 10],
    ['* * * * *', 60],
    ['0,1 9 * * *', 60],
    ['*/5 * * * *', 300],
    ['0 9 * * MON', 7 * 86_400],
    ['0 9,17 * * *', 8 * 3600],
  ])('%s: %d s', (cron, gap) => {
    expect(shortestCronGapSeconds(cron, 'UTC', from)).toBe(gap);
  });

  it('finds a dense run that comes after sparse firings', () => {
    // 09:00:00 and 09:00:30 on the 15th of each month only: two weeks pass before the 30 s gap shows.
    expect(shortestCronGapSeconds('0,30 0 9 15 * *', 'UTC', from)).toBe(30);
  });

  it('stops early once a gap below the bound is seen', () => {
    expect(shortestCronGapSeconds('* * * * * *', 'UTC', from, 60)).toBeLessThan(60);
  });
});
