/**
 * Linear scales and "nice" ticks for the inline SVG plots (token histogram, loss curve). Pure functions.
 */

/** A linear map from a data domain onto a pixel range (either may be reversed, e.g. SVG y grows down). */
export interface ILinearScale {
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  /** Pixel → data value. */
  invert(pixel: number): number;
}

/**
 * `linearScale([d0, d1], [r0, r1])`. A degenerate domain (d0 === d1) maps every value to the middle of
 * the range, so one data point still gets drawn.
 */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number]
): ILinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const scale = ((value: number): number =>
    span === 0
      ? (r0 + r1) / 2
      : r0 + ((value - d0) / span) * (r1 - r0)) as ILinearScale;
  Object.defineProperty(scale, 'domain', { value: [d0, d1] });
  Object.defineProperty(scale, 'range', { value: [r0, r1] });
  Object.defineProperty(scale, 'invert', {
    value: (pixel: number): number =>
      r1 === r0 ? d0 : d0 + ((pixel - r0) / (r1 - r0)) * span
  });
  return scale;
}

/** A step of 1, 2 or 5 × 10^k close to `span / count`. */
export function tickStep(start: number, stop: number, count: number): number {
  const span = Math.abs(stop - start);
  if (!Number.isFinite(span) || span === 0 || count <= 0) {
    return 0;
  }
  const raw = span / count;
  const power = Math.floor(Math.log10(raw));
  const base = Math.pow(10, power);
  const error = raw / base;
  let factor = 1;
  if (error >= Math.sqrt(50)) {
    factor = 10;
  } else if (error >= Math.sqrt(10)) {
    factor = 5;
  } else if (error >= Math.sqrt(2)) {
    factor = 2;
  }
  return factor * base;
}

/** Round a tick value so that 0.1 + 0.2 prints as 0.3. */
function clean(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(Math.min(decimals, 12)));
}

/**
 * Ticks at multiples of a nice step inside [start, stop] (about `count` of them). A degenerate domain
 * gives the single value.
 */
export function niceTicks(start: number, stop: number, count = 5): number[] {
  if (!Number.isFinite(start) || !Number.isFinite(stop)) {
    return [];
  }
  if (start === stop) {
    return [start];
  }
  const low = Math.min(start, stop);
  const high = Math.max(start, stop);
  const step = tickStep(low, high, count);
  if (step === 0) {
    return [low];
  }
  const first = Math.ceil(low / step - 1e-9);
  const last = Math.floor(high / step + 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) {
    ticks.push(clean(i * step, step));
  }
  return ticks;
}

/**
 * Widen [start, stop] outwards to multiples of the nice step, so the axis starts and ends on a tick.
 * A degenerate domain is widened around its value (by 1, or 10 % of it).
 */
export function niceDomain(
  start: number,
  stop: number,
  count = 5
): [number, number] {
  if (!Number.isFinite(start) || !Number.isFinite(stop)) {
    return [0, 1];
  }
  let low = Math.min(start, stop);
  let high = Math.max(start, stop);
  if (low === high) {
    const pad = low === 0 ? 1 : Math.abs(low) * 0.1;
    low -= pad;
    high += pad;
  }
  const step = tickStep(low, high, count);
  if (step === 0) {
    return [low, high];
  }
  return [
    clean(Math.floor(low / step + 1e-9) * step, step),
    clean(Math.ceil(high / step - 1e-9) * step, step)
  ];
}

/** A tick label: integers as-is, small or large numbers compactly ("0.05", "1.2k", "1e-6"). */
export function formatTick(value: number): string {
  if (value === 0) {
    return '0';
  }
  const abs = Math.abs(value);
  if (abs >= 10_000) {
    return `${Number((value / 1000).toPrecision(3))}k`;
  }
  if (abs < 0.001) {
    return value.toExponential(0);
  }
  return String(Number(value.toPrecision(4)));
}

/** A loss for display: "1.39", "0.03", "0.0042". */
export function formatLoss(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 100) {
    return value.toFixed(0);
  }
  if (abs >= 0.01 || abs === 0) {
    return value.toFixed(2);
  }
  return value.toPrecision(2);
}

export interface ILossSummary {
  first: number;
  last: number;
  /** Steps covered (the last step, counting step 0 when the series starts there). */
  steps: number;
  min: number;
  max: number;
}

/** First and last loss and the steps covered, for the curve's text alternative (null: no points). */
export function summarizeLoss(
  points: readonly { step: number; loss: number }[]
): ILossSummary | null {
  const finite = points.filter(
    point => Number.isFinite(point.step) && Number.isFinite(point.loss)
  );
  if (finite.length === 0) {
    return null;
  }
  const first = finite[0];
  const last = finite[finite.length - 1];
  const losses = finite.map(point => point.loss);
  return {
    first: first.loss,
    last: last.loss,
    steps: Math.max(finite.length, last.step + (first.step === 0 ? 1 : 0)),
    min: Math.min(...losses),
    max: Math.max(...losses)
  };
}

/**
 * Ticks for a count axis (training steps): integers only, about `count` of them; a domain narrower than
 * one unit gives the integers inside it.
 */
export function integerTicks(start: number, stop: number, count = 5): number[] {
  if (!Number.isFinite(start) || !Number.isFinite(stop)) {
    return [];
  }
  const low = Math.ceil(Math.min(start, stop));
  const high = Math.floor(Math.max(start, stop));
  if (high < low) {
    return [];
  }
  const step = Math.max(1, Math.round(tickStep(low, high, count)));
  const ticks: number[] = [];
  for (let value = Math.ceil(low / step) * step; value <= high; value += step) {
    ticks.push(value);
  }
  return ticks;
}

/** Like `niceDomain`, for integer data: integer bounds, at least two units wide, never below 0 for counts. */
export function integerDomain(
  start: number,
  stop: number,
  count = 5
): [number, number] {
  if (!Number.isFinite(start) || !Number.isFinite(stop)) {
    return [0, 1];
  }
  let low = Math.floor(Math.min(start, stop));
  let high = Math.ceil(Math.max(start, stop));
  if (high - low < 2) {
    low = Math.max(Math.min(0, low), low - 1);
    high = low + 2;
  }
  const [niceLow, niceHigh] = niceDomain(low, high, count);
  return Number.isInteger(niceLow) && Number.isInteger(niceHigh)
    ? [niceLow, niceHigh]
    : [low, high];
}

/** A label of the histogram's x axis, in SVG units of the plot area. */
export interface IAxisLabel {
  x: number;
  text: string;
}

/** Approximate width of one character of a 10 px plot label, in SVG units. */
export const LABEL_CHAR_WIDTH = 6.2;

/**
 * The token histogram's x labels: the bin edges as numbers ("0", "10", "20"…) under the bar borders, and
 * "> max" centred under the truncated bin. Labels that would overlap a label already placed are dropped
 * (the truncated bin's and the first edge's first), so none overlap whatever the bins.
 */
export function histogramLabels(
  bins: readonly { min: number; max: number | null; truncated: boolean }[],
  plotWidth: number,
  charWidth = LABEL_CHAR_WIDTH
): IAxisLabel[] {
  if (bins.length === 0) {
    return [];
  }
  const slot = plotWidth / bins.length;
  const candidates: IAxisLabel[] = [];
  const truncated = bins.findIndex(bin => bin.truncated);
  if (truncated >= 0) {
    candidates.push({
      x: truncated * slot + slot / 2,
      text: `> ${bins[truncated].min - 1}`
    });
  }
  bins.forEach((bin, index) => {
    if (!bin.truncated) {
      candidates.push({ x: index * slot, text: String(bin.min - 1) });
    }
  });
  const lastRange = [...bins].reverse().find(bin => !bin.truncated);
  if (lastRange && lastRange.max !== null) {
    const index = bins.indexOf(lastRange);
    candidates.push({ x: (index + 1) * slot, text: String(lastRange.max) });
  }
  const placed: IAxisLabel[] = [];
  const gap = charWidth;
  for (const label of candidates) {
    const half = (label.text.length * charWidth) / 2;
    const clear = placed.every(
      other =>
        Math.abs(other.x - label.x) >=
        half + (other.text.length * charWidth) / 2 + gap
    );
    if (clear) {
      placed.push(label);
    }
  }
  return placed.sort((a, b) => a.x - b.x);
}
