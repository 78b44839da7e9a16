import {
  formatLoss,
  formatTick,
  linearScale,
  niceDomain,
  niceTicks,
  summarizeLoss,
  tickStep
} from '../models/plotScales';

describe('linearScale', () => {
  it('maps the domain onto the range and back, also reversed (SVG y)', () => {
    const x = linearScale([0, 10], [0, 200]);
    expect(x(0)).toBe(0);
    expect(x(5)).toBe(100);
    expect(x(10)).toBe(200);
    expect(x.invert(50)).toBe(2.5);
    const y = linearScale([0, 4], [100, 0]);
    expect(y(0)).toBe(100);
    expect(y(4)).toBe(0);
    expect(y(1)).toBe(75);
  });

  it('puts every value of a degenerate domain in the middle', () => {
    const x = linearScale([3, 3], [0, 100]);
    expect(x(3)).toBe(50);
    expect(x(7)).toBe(50);
  });
});

describe('nice ticks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(tickStep(0, 10, 5)).toBe(2);
    expect(tickStep(0, 100, 5)).toBe(20);
    expect(tickStep(0, 1, 5)).toBe(0.2);
    expect(tickStep(0, 37, 4)).toBe(10);
    expect(tickStep(0, 0, 5)).toBe(0);
  });

  it('gives ticks inside the domain without float noise', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.03, 1.39, 5)).toEqual([0.2, 0.4, 0.6, 0.8, 1, 1.2]);
    expect(niceTicks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(5, 5)).toEqual([5]);
    expect(niceTicks(NaN, 1)).toEqual([]);
  });

  it('widens a domain to tick multiples', () => {
    expect(niceDomain(0.03, 1.39, 5)).toEqual([0, 1.4]);
    expect(niceDomain(1, 25, 6)).toEqual([0, 25]);
    expect(niceDomain(3, 97, 5)).toEqual([0, 100]);
    const [low, high] = niceDomain(2, 2);
    expect(low).toBeLessThan(2);
    expect(high).toBeGreaterThan(2);
  });

  it('labels ticks compactly', () => {
    expect(formatTick(0)).toBe('0');
    expect(formatTick(1.2)).toBe('1.2');
    expect(formatTick(0.30000000000000004)).toBe('0.3');
    expect(formatTick(20000)).toBe('20k');
    expect(formatTick(0.000001)).toBe('1e-6');
  });
});

describe('loss summary', () => {
  it('reports the first and last loss and the steps covered', () => {
    const points = Array.from({ length: 25 }, (_, i) => ({
      step: i + 1,
      loss: 1.39 - (i * (1.39 - 0.03)) / 24
    }));
    const summary = summarizeLoss(points);
    expect(summary).not.toBeNull();
    expect(formatLoss(summary!.first)).toBe('1.39');
    expect(formatLoss(summary!.last)).toBe('0.03');
    expect(summary!.steps).toBe(25);
    expect(
      summarizeLoss([
        { step: 0, loss: 2 },
        { step: 9, loss: 1 }
      ])!.steps
    ).toBe(10);
  });

  it('is null without finite points', () => {
    expect(summarizeLoss([])).toBeNull();
    expect(summarizeLoss([{ step: 1, loss: NaN }])).toBeNull();
  });

  it('formats small losses with two significant digits', () => {
    expect(formatLoss(0.0042)).toBe('0.0042');
    expect(formatLoss(123.4)).toBe('123');
  });
});
