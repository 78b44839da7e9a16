import React from 'react';

import { IHistogramBin } from '../api/types';
import { usePanelServices } from '../context';
import { histogramLabels, linearScale, niceTicks } from '../models/plotScales';
import { PlotAxes } from './PlotAxes';

export interface ITokenHistogramProps {
  /** The report's bins: equal ranges up to max_input_length, then the open-ended truncated bin. */
  bins: readonly IHistogramBin[];
  maxInputLength: number;
  truncatedShare: number;
  truncatedRecords: number;
  /** "exact" (Llama 2 tokenizer) or "estimate". */
  method: 'exact' | 'estimate';
}

const WIDTH = 520;
const HEIGHT = 220;
const MARGIN = { top: 16, right: 12, bottom: 44, left: 48 };

/**
 * Token lengths of the records as an SVG bar chart: one bar per bin, the truncated bin (longer than
 * max_input_length) marked, a dashed line at max_input_length, and the truncated share in words.
 */
export function TokenHistogram(props: ITokenHistogramProps): JSX.Element {
  const { trans } = usePanelServices();
  const { bins, maxInputLength } = props;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxCount = Math.max(1, ...bins.map(bin => bin.count));
  const ticks = niceTicks(0, maxCount, 4).filter(
    tick => Number.isInteger(tick) && tick <= maxCount
  );
  const top = Math.max(maxCount, ticks[ticks.length - 1] ?? maxCount);
  const y = linearScale([0, top], [plotHeight, 0]);
  const slot = bins.length > 0 ? plotWidth / bins.length : plotWidth;
  const gap = Math.min(4, slot * 0.15);
  const truncatedIndex = bins.findIndex(bin => bin.truncated);
  const markerX = truncatedIndex >= 0 ? truncatedIndex * slot : plotWidth;
  const share = (props.truncatedShare * 100).toFixed(1);
  const methodLabel =
    props.method === 'exact'
      ? trans.__('exact Llama 2 token counts')
      : trans.__('estimate');
  const titleId = 'jp-LlamaNeuron-token-histogram-title';
  const descId = 'jp-LlamaNeuron-token-histogram-desc';
  const binLabel = (bin: IHistogramBin): string =>
    bin.max === null
      ? trans.__('> %1', bin.min - 1)
      : trans.__('%1–%2', bin.min, bin.max);

  return (
    <figure
      className="jp-LlamaNeuron-plot"
      data-testid="llama-neuron-token-histogram"
    >
      <svg
        className="jp-LlamaNeuron-plot-svg"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={titleId}>{trans.__('Tokens per record')}</title>
        <desc id={descId}>
          {trans.__(
            '%1 of the records (%2%) are longer than max_input_length %3 tokens and will be truncated.',
            props.truncatedRecords,
            share,
            maxInputLength
          )}
        </desc>
        <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
          <PlotAxes
            plotWidth={plotWidth}
            plotHeight={plotHeight}
            yTicks={ticks}
            y={y}
          >
            {bins.map((bin, index) => {
              const height = plotHeight - y(bin.count);
              return (
                <g key={`${bin.min}-${bin.max ?? 'open'}`}>
                  <rect
                    className={`jp-LlamaNeuron-plot-bar${bin.truncated ? ' jp-mod-truncated' : ''}`}
                    data-count={bin.count}
                    x={index * slot + gap / 2}
                    y={y(bin.count)}
                    width={Math.max(1, slot - gap)}
                    height={Math.max(0, height)}
                  >
                    <title>
                      {trans._n(
                        '%2 tokens: %1 record',
                        '%2 tokens: %1 records',
                        bin.count,
                        binLabel(bin)
                      )}
                    </title>
                  </rect>
                </g>
              );
            })}
            {histogramLabels(bins, plotWidth).map(label => (
              <text
                key={`${label.x}-${label.text}`}
                className="jp-LlamaNeuron-plot-label"
                data-testid="llama-neuron-token-histogram-x-label"
                x={label.x}
                y={plotHeight + 14}
                textAnchor="middle"
              >
                {label.text}
              </text>
            ))}
          </PlotAxes>
          <line
            className="jp-LlamaNeuron-plot-marker"
            data-testid="llama-neuron-token-histogram-marker"
            x1={markerX}
            x2={markerX}
            y1={-8}
            y2={plotHeight}
          />
          <text
            className="jp-LlamaNeuron-plot-label jp-LlamaNeuron-plot-marker-label"
            x={markerX - 4}
            y={-2}
            textAnchor="end"
          >
            {trans.__('max_input_length %1', maxInputLength)}
          </text>
          <text
            className="jp-LlamaNeuron-plot-label"
            x={plotWidth / 2}
            y={plotHeight + 32}
            textAnchor="middle"
          >
            {trans.__('tokens per record (%1)', methodLabel)}
          </text>
        </g>
      </svg>
      <figcaption className="jp-LlamaNeuron-muted">
        {trans.__(
          'Truncated: %1 of the records (%2%) exceed %3 tokens. Token counts: %4.',
          props.truncatedRecords,
          share,
          maxInputLength,
          methodLabel
        )}
      </figcaption>
    </figure>
  );
}
