import React from 'react';

import { EvaluationMetric, IEvaluationOverview } from '../api/evaluations';
import { usePanelServices } from '../context';
import { formatScore, metricBars } from '../models/evaluationModel';
import { linearScale } from '../models/plotScales';
import { PlotAxes } from './PlotAxes';

export interface IEvaluationBarChartProps {
  evaluation: IEvaluationOverview;
}

const WIDTH = 520;
const HEIGHT = 220;
const MARGIN = { top: 12, right: 12, bottom: 40, left: 40 };
const TICKS = [0, 25, 50, 75, 100];

/**
 * Each metric's mean per endpoint as grouped SVG bars (0–100 %), with the bootstrap 95 % interval as a
 * whisker; the first endpoint (base) and the second (fine-tuned) in two theme colours, named in a legend.
 */
export function EvaluationBarChart(
  props: IEvaluationBarChartProps
): JSX.Element | null {
  const { trans } = usePanelServices();
  const { evaluation } = props;
  const bars = metricBars(evaluation);
  if (bars.length === 0) {
    return null;
  }
  const labels: Record<EvaluationMetric, string> = {
    exact_match: trans.__('Exact match'),
    token_f1: trans.__('Token F1'),
    rouge_l: trans.__('ROUGE-L')
  };
  const metrics = [...new Set(bars.map(bar => bar.metric))];
  const series = evaluation.endpoints.length;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const y = linearScale([0, 100], [plotHeight, 0]);
  const group = plotWidth / metrics.length;
  const barWidth = Math.min(48, (group * 0.7) / series);
  const titleId = `jp-LlamaNeuron-evaluation-chart-title-${evaluation.id}`;

  return (
    <figure
      className="jp-LlamaNeuron-plot"
      data-testid="llama-neuron-evaluation-chart"
    >
      <svg
        className="jp-LlamaNeuron-plot-svg"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={titleId}
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={titleId}>
          {trans.__(
            'Mean score per metric and endpoint, with 95% intervals: %1',
            bars
              .map(
                bar =>
                  `${labels[bar.metric]} ${bar.endpoint} ${formatScore(bar.mean)}%`
              )
              .join('; ')
          )}
        </title>
        <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
          <PlotAxes
            plotWidth={plotWidth}
            plotHeight={plotHeight}
            yTicks={TICKS}
            y={y}
          >
            {bars.map(bar => {
              const start =
                metrics.indexOf(bar.metric) * group +
                (group - barWidth * series) / 2;
              const x = start + bar.series * barWidth;
              const centre = x + barWidth / 2;
              return (
                <g
                  key={`${bar.metric}-${bar.endpoint}`}
                  data-testid="llama-neuron-evaluation-bar"
                  data-metric={bar.metric}
                  data-endpoint={bar.endpoint}
                  data-mean={bar.mean}
                >
                  <rect
                    className={`jp-LlamaNeuron-evaluation-bar jp-mod-series${bar.series}`}
                    x={x + 2}
                    y={y(bar.mean * 100)}
                    width={Math.max(1, barWidth - 4)}
                    height={Math.max(0, plotHeight - y(bar.mean * 100))}
                  >
                    <title>
                      {`${labels[bar.metric]}, ${bar.endpoint}: ${formatScore(bar.mean)}% [${formatScore(bar.low)}, ${formatScore(bar.high)}]`}
                    </title>
                  </rect>
                  <line
                    className="jp-LlamaNeuron-evaluation-whisker"
                    x1={centre}
                    x2={centre}
                    y1={y(bar.low * 100)}
                    y2={y(bar.high * 100)}
                  />
                </g>
              );
            })}
            {metrics.map((metric, index) => (
              <text
                key={metric}
                className="jp-LlamaNeuron-plot-label"
                x={index * group + group / 2}
                y={plotHeight + 14}
                textAnchor="middle"
              >
                {labels[metric]}
              </text>
            ))}
          </PlotAxes>
        </g>
      </svg>
      <figcaption className="jp-LlamaNeuron-evaluation-legend">
        {evaluation.endpoints.map((endpoint, index) => (
          <span key={endpoint.name}>
            <span
              className={`jp-LlamaNeuron-evaluation-swatch jp-mod-series${index}`}
              aria-hidden="true"
            />
            {endpoint.name}
          </span>
        ))}
        <span className="jp-LlamaNeuron-muted">
          {trans.__('whiskers: bootstrap 95% interval')}
        </span>
      </figcaption>
    </figure>
  );
}
