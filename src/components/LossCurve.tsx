import React from 'react';

import { ILossPoint } from '../api/types';
import { usePanelServices } from '../context';
import {
  formatLoss,
  integerDomain,
  integerTicks,
  linearScale,
  niceDomain,
  niceTicks,
  summarizeLoss
} from '../models/plotScales';
import { PlotAxes } from './PlotAxes';

export interface ILossCurveProps {
  points: readonly ILossPoint[];
  /** The job is still running (the curve grows as polling brings more points). */
  live?: boolean;
  /** Why there is no curve, when the server says so. */
  note?: string | null;
}

const WIDTH = 560;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 16, bottom: 40, left: 52 };
/** Above this many points the dots are left out (the line stays). */
const MAX_DOTS = 400;

/**
 * Training loss against step as an SVG line chart with labelled axes and ticks, and a text summary
 * ("loss 1.39 → 0.03 over 25 steps") for screen readers and at a glance.
 */
export function LossCurve(props: ILossCurveProps): JSX.Element {
  const { trans } = usePanelServices();
  const points = props.points.filter(
    point => Number.isFinite(point.step) && Number.isFinite(point.loss)
  );
  const summary = summarizeLoss(points);
  const summaryText = summary
    ? trans.__(
        'loss %1 → %2 over %3 steps',
        formatLoss(summary.first),
        formatLoss(summary.last),
        summary.steps
      )
    : trans.__('No loss values yet.');

  if (!summary) {
    return (
      <figure
        className="jp-LlamaNeuron-plot"
        data-testid="llama-neuron-loss-curve"
      >
        <p className="jp-LlamaNeuron-muted" role="status">
          {props.live
            ? trans.__(
                'Waiting for the first loss value (it appears once training steps run).'
              )
            : summaryText}
        </p>
        {props.note && <p className="jp-LlamaNeuron-muted">{props.note}</p>}
      </figure>
    );
  }

  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const steps = points.map(point => point.step);
  // Steps are whole numbers: integer bounds and ticks (never 1.2, 1.4…).
  const xDomain = integerDomain(Math.min(...steps), Math.max(...steps), 6);
  const yDomain = niceDomain(Math.min(0, summary.min), summary.max, 5);
  const x = linearScale(xDomain, [0, plotWidth]);
  const y = linearScale(yDomain, [plotHeight, 0]);
  const xTicks = integerTicks(xDomain[0], xDomain[1], 6);
  const yTicks = niceTicks(yDomain[0], yDomain[1], 5);
  const path = points
    .map(
      (point, index) =>
        `${index === 0 ? 'M' : 'L'}${x(point.step).toFixed(1)},${y(point.loss).toFixed(1)}`
    )
    .join(' ');
  const titleId = 'jp-LlamaNeuron-loss-curve-title';
  const descId = 'jp-LlamaNeuron-loss-curve-desc';

  return (
    <figure
      className="jp-LlamaNeuron-plot"
      data-testid="llama-neuron-loss-curve"
      data-points={points.length}
    >
      <svg
        className="jp-LlamaNeuron-plot-svg"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={titleId}>{trans.__('Training loss by step')}</title>
        <desc id={descId}>{summaryText}</desc>
        <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
          <PlotAxes
            plotWidth={plotWidth}
            plotHeight={plotHeight}
            yTicks={yTicks}
            y={y}
            xTicks={xTicks}
            x={x}
          />
          <path className="jp-LlamaNeuron-plot-line" d={path} />
          {points.length <= MAX_DOTS &&
            points.map(point => (
              <circle
                key={`${point.step}-${point.timestamp}`}
                className="jp-LlamaNeuron-plot-point"
                cx={x(point.step)}
                cy={y(point.loss)}
                r={2.5}
              >
                <title>
                  {trans.__(
                    'step %1: loss %2',
                    point.step,
                    formatLoss(point.loss)
                  )}
                </title>
              </circle>
            ))}
          <text
            className="jp-LlamaNeuron-plot-label"
            x={plotWidth / 2}
            y={plotHeight + 34}
            textAnchor="middle"
          >
            {trans.__('step')}
          </text>
          <text
            className="jp-LlamaNeuron-plot-label"
            transform={`translate(${-40},${plotHeight / 2}) rotate(-90)`}
            textAnchor="middle"
          >
            {trans.__('training loss')}
          </text>
        </g>
      </svg>
      <figcaption
        className="jp-LlamaNeuron-muted"
        data-testid="llama-neuron-loss-summary"
        aria-live={props.live ? 'polite' : undefined}
      >
        {summaryText}
        {props.live ? ` ${trans.__('(updating)')}` : ''}
      </figcaption>
      {props.note && <p className="jp-LlamaNeuron-muted">{props.note}</p>}
    </figure>
  );
}
