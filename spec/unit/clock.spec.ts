import { expect } from 'chai';
import { microTimestamp, timestamp } from '../../server/clock.js';

describe('clock formats', () => {
  it('writes metav1.Time with whole seconds and metav1.MicroTime with six fraction digits', () => {
    expect(timestamp(new Date('2024-01-01T00:00:10.999Z'))).to.equal('2024-01-01T00:00:10Z');
    for (const [at, micro] of [
      ['2024-01-01T00:00:10.000Z', '2024-01-01T00:00:10.000000Z'],
      ['2024-01-01T00:00:10.007Z', '2024-01-01T00:00:10.007000Z'],
      ['2024-01-01T00:00:10.042Z', '2024-01-01T00:00:10.042000Z'],
      ['2024-01-01T00:00:10.999Z', '2024-01-01T00:00:10.999000Z'],
      ['2026-12-31T23:59:59.120Z', '2026-12-31T23:59:59.120000Z'],
    ]) {
      expect(microTimestamp(new Date(at))).to.equal(micro);
    }
  });
});
