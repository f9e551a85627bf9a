/* core/svg.c — chart primitives for the HTML report (see svg.h): axes with nice ticks on
 * linear, log and band scales, and shapes in data coordinates, written as inline SVG.
 *
 *     svg_plot p = { 0 };
 *     svg_axis_fit(&p.x, x, n, 1); svg_axis_fit(&p.y, y, n, 1);     // log-log
 *     svg_begin(&p, stdout, 420, 320, "Predicted vs actual", "actual", "predicted");
 *     for (size_t i = 0; i < n; i++) svg_point(&p, x[i], y[i], 1.5, "dot", NULL);
 *     svg_end(&p);
 *
 * Coordinates are printed with one decimal: enough for a screen or a printer, and it keeps a
 * page of several thousand points small.
 */
#include "svg.h"

#include <math.h>
#include <string.h>

void svg_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

const char *svg_num(double v, char buf[32])
{
    if (!isfinite(v)) snprintf(buf, 32, "–");
    else if (v != 0 && (fabs(v) >= 1e6 || fabs(v) < 1e-3)) snprintf(buf, 32, "%.3g", v);
    else if (fabs(v) >= 100) snprintf(buf, 32, "%.0f", v);
    else snprintf(buf, 32, "%.4g", v);
    return buf;
}

/* ------------------------------------------------------------------ axes */

void svg_axis_fit(svg_axis *a, const double *v, size_t n, int log)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]) || (log && v[i] <= 0)) continue;
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) hi = v[i];
    }
    a->log = log;
    a->categories = 0;
    a->labels = NULL;
    if (!(lo <= hi)) { lo = log ? 1 : 0; hi = log ? 10 : 1; }
    if (log) {
        if (hi / lo < 1.5) { lo /= 1.25; hi *= 1.25; }
        double pad = pow(hi / lo, 0.04);
        a->lo = lo / pad;
        a->hi = hi * pad;
    } else {
        double pad = (hi - lo) * 0.05;
        if (!(pad > 0)) pad = fabs(hi) > 0 ? fabs(hi) * 0.1 : 1;
        a->lo = lo - pad;
        a->hi = hi + pad;
    }
}

void svg_axis_include(svg_axis *a, double v)
{
    if (!isfinite(v) || (a->log && v <= 0)) return;
    if (v < a->lo) a->lo = v;
    if (v > a->hi) a->hi = v;
}

static double frac(const svg_axis *a, double v)
{
    if (a->log) {
        if (!(v > 0)) return NAN;
        return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    }
    return (v - a->lo) / (a->hi - a->lo);
}

double svg_band(const svg_plot *p, int horizontal)
{
    const svg_axis *a = horizontal ? &p->y : &p->x;
    double len = horizontal ? p->h - p->top - p->bottom : p->w - p->left - p->right;
    return a->categories > 0 ? len / a->categories : 0;
}

double svg_px(const svg_plot *p, double x)
{
    if (p->x.categories > 0) return p->left + (x + 0.5) * svg_band(p, 0);
    return p->left + frac(&p->x, x) * (p->w - p->left - p->right);
}

double svg_py(const svg_plot *p, double y)
{
    if (p->y.categories > 0) return p->top + (y + 0.5) * svg_band(p, 1);
    return p->h - p->bottom - frac(&p->y, y) * (p->h - p->top - p->bottom);
}

/* Tick values of a numeric axis: 1-2-5 steps (linear) or decades, with 2 and 5 between them
 * when the axis spans few decades (log). Returns how many were written. */
static size_t ticks(const svg_axis *a, double *t, size_t max)
{
    size_t n = 0;
    if (a->log) {
        int d0 = (int)floor(log10(a->lo)), d1 = (int)ceil(log10(a->hi));
        int few = d1 - d0 <= 3;
        for (int d = d0; d <= d1 && n < max; d++)
            for (int m = 1; m <= 5 && n < max; m += (m == 1 ? 1 : 3)) {
                if (m > 1 && !few) break;
                double v = m * pow(10, d);
                if (v >= a->lo && v <= a->hi) t[n++] = v;
            }
        return n;
    }
    double span = a->hi - a->lo, raw = span / 5, mag = pow(10, floor(log10(raw)));
    double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
    for (double v = ceil(a->lo / step) * step; v <= a->hi + step * 1e-9 && n < max; v += step)
        t[n++] = fabs(v) < step * 1e-9 ? 0 : v;
    return n;
}

static void px_text(FILE *f, double x, double y, const char *anchor, const char *cls, const char *s)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s%s>", x, y, anchor, cls ? " class=\"" : "",
            cls ? cls : "", cls ? "\"" : "");
    svg_escape(f, s);
    fputs("</text>\n", f);
}

void svg_begin(svg_plot *p, FILE *f, double w, double h, const char *title, const char *xlabel,
               const char *ylabel)
{
    p->f = f;
    p->w = w;
    p->h = h;
    if (p->left <= 0) p->left = 62;
    if (p->right <= 0) p->right = 14;
    if (p->top <= 0) p->top = 12;
    if (p->bottom <= 0) p->bottom = 44;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
               "width=\"%.0f\" height=\"%.0f\" role=\"img\">\n<title>", w, h, w, h);
    svg_escape(f, title);
    fputs("</title>\n", f);
    double x0 = p->left, x1 = w - p->right, y0 = p->top, y1 = h - p->bottom;
    fprintf(f, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n", x0, y0, x1 - x0, y1 - y0);
    double t[64];
    char buf[32];
    if (p->x.categories > 0) {
        int rot = p->x.categories > 8;
        for (int i = 0; p->x.labels && i < p->x.categories; i++) {
            double x = svg_px(p, i);
            if (rot) {
                fprintf(f, "<text class=\"tick\" text-anchor=\"end\" transform=\"translate(%.1f,%.1f) rotate(-40)\">", x + 3, y1 + 12);
                svg_escape(f, p->x.labels[i]);
                fputs("</text>\n", f);
            } else {
                px_text(f, x, y1 + 14, "middle", "tick", p->x.labels[i]);
            }
        }
    } else {
        size_t n = ticks(&p->x, t, 64);
        for (size_t i = 0; i < n; i++) {
            double x = svg_px(p, t[i]);
            fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, y0, x, y1);
            px_text(f, x, y1 + 14, "middle", "tick", svg_num(t[i], buf));
        }
    }
    if (p->y.categories > 0) {
        for (int i = 0; p->y.labels && i < p->y.categories; i++)
            px_text(f, x0 - 5, svg_py(p, i) + 4, "end", "tick", p->y.labels[i]);
    } else {
        size_t n = ticks(&p->y, t, 64);
        for (size_t i = 0; i < n; i++) {
            double y = svg_py(p, t[i]);
            fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x0, y, x1, y);
            px_text(f, x0 - 5, y + 4, "end", "tick", svg_num(t[i], buf));
        }
    }
    if (xlabel) px_text(f, (x0 + x1) / 2, h - 6, "middle", "axis", xlabel);
    if (ylabel) {
        fprintf(f, "<text class=\"axis\" text-anchor=\"middle\" transform=\"translate(13,%.1f) rotate(-90)\">", (y0 + y1) / 2);
        svg_escape(f, ylabel);
        fputs("</text>\n", f);
    }
}

void svg_end(svg_plot *p)
{
    fputs("</svg>\n", p->f);
}

/* ------------------------------------------------------------------ shapes */

static int inside(const svg_plot *p, double px, double py)
{
    return isfinite(px) && isfinite(py) && px >= p->left - 0.5 && px <= p->w - p->right + 0.5 &&
           py >= p->top - 0.5 && py <= p->h - p->bottom + 0.5;
}

static void tooltip_close(FILE *f, const char *tip, const char *tag)
{
    if (!tip) { fputs("/>\n", f); return; }
    fputs("><title>", f);
    svg_escape(f, tip);
    fprintf(f, "</title></%s>\n", tag);
}

void svg_point(const svg_plot *p, double x, double y, double r, const char *cls, const char *tip)
{
    double px = svg_px(p, x), py = svg_py(p, y);
    if (!inside(p, px, py)) return;
    fprintf(p->f, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"", cls, px, py, r);
    tooltip_close(p->f, tip, "circle");
}

void svg_polyline(const svg_plot *p, const double *x, const double *y, size_t n, const char *cls)
{
    int open = 0;
    for (size_t i = 0; i < n; i++) {
        double px = svg_px(p, x[i]), py = svg_py(p, y[i]);
        if (!inside(p, px, py)) {
            if (open) fputs("\"/>\n", p->f);
            open = 0;
            continue;
        }
        if (!open) fprintf(p->f, "<polyline class=\"%s\" points=\"", cls);
        fprintf(p->f, "%s%.1f,%.1f", open ? " " : "", px, py);
        open = 1;
    }
    if (open) fputs("\"/>\n", p->f);
}

void svg_line(const svg_plot *p, double x0, double y0, double x1, double y1, const char *cls)
{
    double a = svg_px(p, x0), b = svg_py(p, y0), c = svg_px(p, x1), d = svg_py(p, y1);
    if (!isfinite(a) || !isfinite(b) || !isfinite(c) || !isfinite(d)) return;
    fprintf(p->f, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", cls, a, b, c, d);
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Pixel box of two data corners, clipped to the plot area; 0 when nothing is left. */
static int box(const svg_plot *p, double x0, double y0, double x1, double y1, double out[4])
{
    double a = svg_px(p, x0), b = svg_py(p, y0), c = svg_px(p, x1), d = svg_py(p, y1);
    /* a bar from 0 on a log axis starts at the axis edge */
    if (p->x.log && !(x0 > 0)) a = p->left;
    if (p->y.log && !(y0 > 0)) b = p->h - p->bottom;
    if (!isfinite(a) || !isfinite(b) || !isfinite(c) || !isfinite(d)) return 0;
    double l = clampd(fmin(a, c), p->left, p->w - p->right), r = clampd(fmax(a, c), p->left, p->w - p->right);
    double t = clampd(fmin(b, d), p->top, p->h - p->bottom), btm = clampd(fmax(b, d), p->top, p->h - p->bottom);
    out[0] = l;
    out[1] = t;
    out[2] = r - l;
    out[3] = btm - t;
    return out[2] > 0 || out[3] > 0;
}

void svg_rect(const svg_plot *p, double x0, double y0, double x1, double y1, const char *cls, const char *tip)
{
    double b[4];
    if (!box(p, x0, y0, x1, y1, b)) return;
    fprintf(p->f, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", cls, b[0], b[1],
            fmax(b[2], 0.8), fmax(b[3], 0.8));
    tooltip_close(p->f, tip, "rect");
}

void svg_cell(const svg_plot *p, double x0, double y0, double x1, double y1, const char *fill, const char *tip)
{
    double b[4];
    if (!box(p, x0, y0, x1, y1, b)) return;
    fprintf(p->f, "<rect class=\"cell\" fill=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", fill, b[0],
            b[1], b[2], b[3]);
    tooltip_close(p->f, tip, "rect");
}

void svg_text(const svg_plot *p, double px, double py, const char *anchor, const char *cls, const char *text)
{
    px_text(p->f, px, py, anchor, cls, text);
}

void svg_legend(const svg_plot *p, int i, const char *cls, const char *label)
{
    /* a row above the plot area (callers leave p->top room), so no data point is covered */
    double x = p->left + 4 + 96 * i, y = p->top - 8;
    fprintf(p->f, "<rect class=\"%s legend\" x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\"/>\n", cls, x, y - 8);
    px_text(p->f, x + 13, y, "start", "legend-text", label);
}
