/* core/svg.h — chart primitives for the HTML report: inline SVG written to a FILE*, data
 * coordinates mapped to pixels on linear or log axes, "nice" ticks, and escaping.
 *
 *     svg_plot p;
 *     svg_axis_fit(&p.x, xs, n, 0);  svg_axis_fit(&p.y, ys, n, 1);   // y on a log scale
 *     svg_begin(&p, f, 480, 300, "Best score so far", "trial", "RMSLE");
 *     svg_polyline(&p, xs, ys, n, "line");
 *     svg_point(&p, 3, 0.61, 3, "pruned", "trial 3: pruned");
 *     svg_end(&p);
 *
 * Styling is by class names the page's CSS defines (no inline colours besides the few a caller
 * passes), so the same chart prints in black and white. Nothing here allocates; every
 * function writes straight to the stream (a write error shows up in ferror(f)).
 */
#ifndef XP_CORE_SVG_H
#define XP_CORE_SVG_H

#include <stddef.h>
#include <stdio.h>

typedef struct svg_axis {
    double lo, hi;       /* data range shown */
    int log;             /* 1: log10 scale (lo > 0) */
    int categories;      /* > 0: a band axis of that many slots (bar charts); lo/hi unused */
    const char *const *labels;   /* band labels (categories), may be NULL */
} svg_axis;

typedef struct svg_plot {
    FILE *f;
    double w, h;                              /* whole chart, px */
    double left, right, top, bottom;          /* margins, px */
    svg_axis x, y;
} svg_plot;

/* HTML/XML text escaping of s (NULL writes nothing). */
void svg_escape(FILE *f, const char *s);

/* Sets the axis to cover the finite values of v (positive ones only when log), with a little
 * padding; an empty or constant input still gives a usable range. */
void svg_axis_fit(svg_axis *a, const double *v, size_t n, int log);
/* Widens the axis to include value v. */
void svg_axis_include(svg_axis *a, double v);

/* Opens <svg> (w x h px, viewBox so it scales), draws the frame, ticks, grid and the axis
 * titles. Margins default to room for tick labels; set p->left etc. before calling to change
 * them (0 = default). title is the chart's accessible name (<title>). */
void svg_begin(svg_plot *p, FILE *f, double w, double h, const char *title, const char *xlabel,
               const char *ylabel);
void svg_end(svg_plot *p);

/* Pixel position of a data value (band axes: the centre of slot i). NaN for a value a log axis
 * cannot show. */
double svg_px(const svg_plot *p, double x);
double svg_py(const svg_plot *p, double y);
/* Width of one band slot, px (band axes). */
double svg_band(const svg_plot *p, int horizontal);

/* Shapes in data coordinates; cls is a CSS class; tip (may be NULL) becomes a <title> tooltip.
 * Points outside the axes or NaN are skipped. */
void svg_point(const svg_plot *p, double x, double y, double r, const char *cls, const char *tip);
/* A polyline through the finite points, broken where a point is missing. */
void svg_polyline(const svg_plot *p, const double *x, const double *y, size_t n, const char *cls);
void svg_line(const svg_plot *p, double x0, double y0, double x1, double y1, const char *cls);
/* Rectangle between two data corners (bars, boxes); clipped to the plot area. */
void svg_rect(const svg_plot *p, double x0, double y0, double x1, double y1, const char *cls,
              const char *tip);
/* A rectangle with an explicit fill colour (heat maps), in data coordinates. */
void svg_cell(const svg_plot *p, double x0, double y0, double x1, double y1, const char *fill,
              const char *tip);
/* Text at a pixel position; anchor "start", "middle" or "end". */
void svg_text(const svg_plot *p, double px, double py, const char *anchor, const char *cls,
              const char *text);
/* Legend entry i (a swatch of class cls and its label) in a row above the plot area; leave
 * p->top >= 24 for it. */
void svg_legend(const svg_plot *p, int i, const char *cls, const char *label);

/* Shortest readable form of v for labels: 0.604, 1.2e+05, 12k is not used (exact digits). */
const char *svg_num(double v, char buf[32]);

#endif
