import React from 'react';

import { formatTick } from '../models/plotScales';

export interface IPlotAxesProps {
  /** Size of the plotting area (inside the margins), in SVG units. */
  plotWidth: number;
  plotHeight: number;
  /** Values labelled on the y axis, each with a grid line across the plot. */
  yTicks: readonly number[];
  y: (value: number) => number;
  /** Values labelled below the x axis, with a tick mark each (none for a bar chart's own labels). */
  xTicks?: readonly number[];
  x?: (value: number) => number;
  /** Marks drawn under the axis lines (e.g. bars). */
  children?: React.ReactNode;
}

/**
 * The axes of the SVG plots, inside their translated plotting group: y grid lines with labels, optional x
 * ticks with labels, then the two axis lines (drawn over `children`).
 */
export function PlotAxes(props: IPlotAxesProps): JSX.Element {
  const { plotWidth, plotHeight, y, x } = props;
  return (
    <>
      {props.yTicks.map(tick => (
        <g key={`y${tick}`} transform={`translate(0,${y(tick)})`}>
          <line className="jp-LlamaNeuron-plot-grid" x1={0} x2={plotWidth} />
          <text
            className="jp-LlamaNeuron-plot-label"
            x={-6}
            dy="0.32em"
            textAnchor="end"
          >
            {formatTick(tick)}
          </text>
        </g>
      ))}
      {x &&
        props.xTicks?.map(tick => (
          <g key={`x${tick}`} transform={`translate(${x(tick)},0)`}>
            <line
              className="jp-LlamaNeuron-plot-axis"
              y1={plotHeight}
              y2={plotHeight + 4}
            />
            <text
              className="jp-LlamaNeuron-plot-label"
              y={plotHeight + 16}
              textAnchor="middle"
            >
              {formatTick(tick)}
            </text>
          </g>
        ))}
      {props.children}
      <line
        className="jp-LlamaNeuron-plot-axis"
        x1={0}
        x2={plotWidth}
        y1={plotHeight}
        y2={plotHeight}
      />
      <line
        className="jp-LlamaNeuron-plot-axis"
        x1={0}
        x2={0}
        y1={0}
        y2={plotHeight}
      />
    </>
  );
}
