/* core/report_html.c — `runner report --html`: the study report as one self-contained web
 * page, written from the experiment store alone (and the artifacts it records).
 *
 *     ./runner report --html [--store experiments/experiments.db] [--out experiments/report]
 *     → experiments/report/index.html   (inline SVG and CSS; no script, font or image fetched)
 *       experiments/report/report.md    (the Markdown tables of `runner report`)
 *
 * Sections: a summary; the methodology as it was run (split, transforms, search, stages,
 * written from each run's recorded config and records); the data (profile, split, cleaning);
 * step 1 (the table-only study: search, chosen configuration, leakage gap, sources,
 * predictions); step 2 (ablation of modalities, encoders, images, then each study's section);
 * a leaderboard of every run; the gap to the noise floor when an ORACLE.json sits next to the
 * data. Every number on the page is read, not typed: a section whose record is missing says so.
 *
 * The page is written to index.html.tmp and renamed, so a reader never sees half a page.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"
#include "report_db.h"
#include "report_page.h"
#include "svg.h"

/* ------------------------------------------------------------------ helpers */

const char *rp_fmt(double v, char buf[32])
{
    if (isnan(v)) snprintf(buf, 32, "–");
    else if (v != 0 && (fabs(v) >= 1e5 || fabs(v) < 1e-3)) snprintf(buf, 32, "%.4g", v);
    else if (fabs(v) >= 1000) snprintf(buf, 32, "%.0f", v);
    else snprintf(buf, 32, "%.4g", v);
    return buf;
}

void rp_esc(FILE *f, const char *s)
{
    svg_escape(f, s);
}

void rp_fig_open(FILE *f)
{
    fputs("<figure><div class=\"charts\">\n", f);
}

void rp_fig_close(FILE *f, const char *caption)
{
    fputs("</div><figcaption>", f);
    rp_esc(f, caption);
    fputs("</figcaption></figure>\n", f);
}

static const char *const css =
    "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#1b1f24;"
    "max-width:1180px;margin:0 auto;padding:0 20px 40px;background:#fff}\n"
    "h1{font-size:28px;margin:24px 0 4px}h2{font-size:22px;border-bottom:2px solid #d0d7de;padding-bottom:4px;margin-top:40px}"
    "h3{font-size:18px;margin-top:28px}h4{font-size:15px;margin:20px 0 6px}\n"
    ".sub{color:#57606a;font-weight:normal;font-size:0.8em}.note,.facts{color:#444c56;font-size:13px}"
    ".warn{color:#9a3412;background:#fff7ed;padding:4px 8px;border-left:3px solid #ea580c}\n"
    "code{font:12.5px ui-monospace,'DejaVu Sans Mono',monospace;background:#f3f4f6;padding:0 3px;border-radius:3px}"
    "code.cmd{display:inline-block;margin-top:2px;white-space:pre-wrap;word-break:break-all}\n"
    "table{border-collapse:collapse;margin:8px 0 12px;font-size:13px}th,td{border:1px solid #d0d7de;padding:3px 8px;"
    "text-align:left;vertical-align:top}th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.latest td{background:#f0f7ff}table.side{display:inline-table;vertical-align:top;margin-left:16px}\n"
    "nav ol{columns:2;font-size:14px}figure{margin:10px 0 18px}figcaption{font-size:13px;color:#444c56;max-width:900px}"
    ".charts{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-start}\n"
    "svg.chart{background:#fff;font:11px system-ui,sans-serif;overflow:visible}svg .frame{fill:none;stroke:#8c959f}"
    "svg .grid{stroke:#eaeef2}svg .tick{fill:#57606a}svg .axis{fill:#1b1f24;font-size:12px}svg .val{fill:#1b1f24}"
    "svg .legend-text{fill:#1b1f24}\n"
    "svg .dot{fill:#1f6feb;fill-opacity:.8}svg .dot-s{fill:#1f6feb;fill-opacity:.35}svg .pruned{fill:none;stroke:#cf222e;stroke-width:1.3}"
    "svg .best{fill:none;stroke:#1b1f24;stroke-width:2}svg .ref{stroke:#6e7781;stroke-dasharray:4 3;fill:none}\n"
    "svg .bar{fill:#1f6feb}svg .bar-alt{fill:#8250df}svg .bar-warn{fill:#d4a72c}svg .bar-test{fill:#1a7f37}"
    "svg .bar-oracle{fill:#afb8c1}svg .box{fill:#ddf4ff;stroke:#0969da}svg .median{stroke:#0a3069;stroke-width:2}"
    "svg .whisker{stroke:#57606a}svg .band{fill:#1f6feb;fill-opacity:.15}svg .mark{fill:#cf222e}"
    "svg .line{fill:none;stroke:#1f6feb;stroke-width:2}svg .cell{stroke:#fff;stroke-width:.5}\n"
    ".k-pruned{color:#cf222e}.kpi{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}.kpi div{border:1px solid #d0d7de;"
    "border-radius:6px;padding:8px 12px;min-width:150px}.kpi b{display:block;font-size:20px}\n"
    "@media print{body{max-width:none;font-size:11pt}nav{display:none}section.study,figure{break-inside:avoid-page}"
    "h2{break-before:page}a{color:inherit;text-decoration:none}}\n";

static double run_metric(sqlite3 *db, long long run, const char *split, const char *metric)
{
    return rdb_num(db, "SELECT value FROM xp_metrics WHERE run_id = ?1 AND split = ?2 AND metric = ?3 AND trial_id IS NULL "
                       "AND source IS NULL AND fold IS NULL ORDER BY id DESC LIMIT 1", "itt", run, split, metric);
}

/* ------------------------------------------------------------------ the reported runs */

/* 1 if the comma-separated list holds name as a whole item. */
static int has_name(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == 0 || p[n] == ',')) return 1;
    return 0;
}

/* Encoders of a run: pipeline steps whose records name an output column ("out"); an image
 * encoder's record also counts image files ("found"). */
static void run_encoders(sqlite3 *db, rrun *r)
{
    const xp_cfg *pl = r->cfg ? cfg_get(r->cfg, "pipeline") : NULL;
    for (size_t i = 0; i < cfg_len(pl); i++) {
        const char *name = cfg_scalar(cfg_get(cfg_at(pl, i), "plugin"));
        if (!name || has_name(r->encoders, name)) continue;
        double out = rdb_num(db, "SELECT count(*) FROM xp_records WHERE run_id = ?1 AND kind = ?2 AND json_type(json) = 'object' "
                                 "AND json_extract(json, '$.out') IS NOT NULL", "it", r->id, name);
        if (!(out > 0)) continue;
        double img = rdb_num(db, "SELECT count(*) FROM xp_records WHERE run_id = ?1 AND kind = ?2 AND json_type(json) = 'object' "
                                 "AND json_extract(json, '$.found') IS NOT NULL", "it", r->id, name);
        if (img > 0) r->image++;
        else r->text++;
        size_t len = strlen(r->encoders);
        snprintf(r->encoders + len, sizeof r->encoders - len, "%s%s", len ? ", " : "", name);
    }
}

static void free_runs(rrun *runs, int n)
{
    for (int i = 0; i < n; i++) cfg_free(runs[i].cfg);
    free(runs);
}

/* Every study's latest complete run, in study order. */
static int collect(sqlite3 *db, rrun **out, int *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = rdb_query(db,
        "SELECT r.id, r.study_id, r.name, r.config_yaml, coalesce(d.direction, 'MINIMIZE') FROM xp_runs r "
        "LEFT JOIN study_directions d ON d.study_id = r.study_id AND d.objective = 0 "
        "WHERE r.status = 'COMPLETE' AND r.id = (SELECT max(id) FROM xp_runs r2 WHERE r2.study_id = r.study_id "
        "AND r2.status = 'COMPLETE' AND NOT EXISTS (SELECT 1 FROM xp_records c WHERE c.run_id = r2.id AND c.kind = 'search_only')) ORDER BY r.study_id", "");
    if (!st) return -1;
    int cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            rrun *p = realloc(*out, (size_t)(cap = cap ? 2 * cap : 8) * sizeof *p);
            if (!p) { sqlite3_finalize(st); return -1; }
            *out = p;
        }
        rrun *r = &(*out)[*n];
        memset(r, 0, sizeof *r);
        (*n)++;
        r->id = sqlite3_column_int64(st, 0);
        r->study = sqlite3_column_int64(st, 1);
        rdb_col(st, 2, r->name, sizeof r->name);
        r->maximize = !strcmp((const char *)sqlite3_column_text(st, 4), "MAXIMIZE");
        const char *yaml = (const char *)sqlite3_column_text(st, 3);
        char err[512], what[64];
        snprintf(what, sizeof what, "run %lld config", r->id);
        r->cfg = yaml ? cfg_load_string(yaml, what, err, sizeof err) : NULL;
    }
    sqlite3_finalize(st);
    for (int i = 0; i < *n; i++) {
        rrun *r = &(*out)[i];
        char *obj = rdb_text(db, "SELECT metric FROM xp_metrics WHERE run_id = ?1 AND split = 'cv_grouped' LIMIT 1", "i", r->id);
        const char *cobj = r->cfg ? cfg_scalar(cfg_get(r->cfg, "objective")) : NULL;
        snprintf(r->objective, sizeof r->objective, "%s", obj ? obj : cobj ? cobj : "rmsle");
        free(obj);
        r->blend = rdb_num(db, "SELECT count(*) FROM xp_records WHERE run_id = ?1 AND kind = 'blend'", "i", r->id) > 0;
        const char *model = r->cfg ? cfg_scalar(cfg_path(r->cfg, "model.plugin")) : NULL;
        snprintf(r->model, sizeof r->model, "%s", r->blend ? "blend" : model ? model : "?");
        if (!r->blend) run_encoders(db, r);
        r->cv = run_metric(db, r->id, "cv_grouped", r->objective);
        r->polish = run_metric(db, r->id, "cv_polish", r->objective);
        r->random = run_metric(db, r->id, "cv_random", r->objective);
        r->test = run_metric(db, r->id, "test", r->objective);
        r->r2 = run_metric(db, r->id, "test", "r2");
    }
    /* A blend's inputs are its members'. */
    for (int i = 0; i < *n; i++) {
        rrun *r = &(*out)[i];
        if (!r->blend) continue;
        sqlite3_stmt *m = rdb_query(db, "SELECT json_extract(m.value, '$.study') FROM xp_records b, json_each(b.json, '$.members') m "
                                        "WHERE b.run_id = ?1 AND b.kind = 'blend'", "i", r->id);
        while (m && sqlite3_step(m) == SQLITE_ROW) {
            const char *study = (const char *)sqlite3_column_text(m, 0);
            for (int k = 0; study && k < *n; k++) {
                rrun *o = &(*out)[k];
                if (strcmp(o->name, study)) continue;
                r->text += o->text;
                r->image += o->image;
                char list[256];
                snprintf(list, sizeof list, "%s", o->encoders);
                for (char *save = NULL, *tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
                    if (has_name(r->encoders, tok)) continue;
                    size_t len = strlen(r->encoders);
                    snprintf(r->encoders + len, sizeof r->encoders - len, "%s%s", len ? ", " : "", tok);
                }
            }
        }
        sqlite3_finalize(m);
    }
    return 0;
}

/* The table-only study step 2 is measured against: step1_xgb when present, else the first
 * study without encoders and without a blend. */
static const rrun *baseline(const rrun *runs, int n)
{
    for (int i = 0; i < n; i++) if (!strcmp(runs[i].name, "step1_xgb")) return &runs[i];
    for (int i = 0; i < n; i++) if (!runs[i].blend && !runs[i].encoders[0]) return &runs[i];
    return n ? &runs[0] : NULL;
}

static const char *inputs(const rrun *r)
{
    return r->text && r->image ? "table + text + image" : r->text ? "table + text" : r->image ? "table + image" : "table";
}

/* ------------------------------------------------------------------ the data */

/* The run whose data records the page shows: the baseline's if it profiled, else the latest
 * run with a profile record. */
static long long data_run(sqlite3 *db, const rrun *base)
{
    if (base && rdb_num(db, "SELECT count(*) FROM xp_records WHERE run_id = ?1 AND kind = 'profile'", "i", base->id) > 0)
        return base->id;
    double v = rdb_num(db, "SELECT max(run_id) FROM xp_records WHERE kind = 'profile'", "");
    return isnan(v) ? -1 : (long long)v;
}

/* White to dark blue, for shares in [0, 1]. */
static void heat(double v, char out[16])
{
    if (isnan(v)) v = 0;
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    int r = (int)(255 - v * (255 - 12)), g = (int)(255 - v * (255 - 60)), b = (int)(255 - v * (255 - 130));
    snprintf(out, 16, "#%02x%02x%02x", r, g, b);
}

static void missing_charts(FILE *f, sqlite3 *db, long long prof_id)
{
    enum { MAX_COLS = 120 };
    char *names[MAX_COLS];
    double share[MAX_COLS];
    int n = 0;
    sqlite3_stmt *st = rdb_query(db,
        "SELECT json_extract(c.value, '$.name'), json_extract(c.value, '$.missing_share') FROM xp_records r, "
        "json_each(r.json, '$.columns') c WHERE r.id = ?1 AND json_extract(c.value, '$.missing_share') > 0 "
        "ORDER BY 2 DESC", "i", prof_id);
    while (st && n < MAX_COLS && sqlite3_step(st) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        if (!(names[n] = malloc(strlen(s ? s : "") + 1))) break;
        strcpy(names[n], s ? s : "");
        share[n++] = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    if (!n) {
        fputs("<p>No column has missing values in the profiled rows.</p>\n", f);
        return;
    }
    rp_fig_open(f);
    svg_plot p = { 0 };
    p.left = 96;
    p.right = 44;   /* room for the value labels */
    p.y.categories = n;
    p.y.labels = (const char *const *)names;
    p.x.lo = 0;
    p.x.hi = 1;
    char tip[160], b1[32];
    svg_begin(&p, f, 420, 56 + 14.0 * n, "missing share by column", "share of rows missing", NULL);
    for (int i = 0; i < n; i++) {
        snprintf(tip, sizeof tip, "%s: %.2f%% missing", names[i], 100 * share[i]);
        svg_rect(&p, 0, i - 0.4, share[i], i + 0.4, "bar", tip);
        svg_text(&p, svg_px(&p, share[i]) + 3, svg_py(&p, i) + 4, "start", "val", svg_num(100 * share[i], b1));
    }
    svg_end(&p);
    for (int i = 0; i < n; i++) free(names[i]);

    /* per source: the profile's missing_by_source (columns with missing values or codes) */
    double ns = rdb_num(db, "SELECT json_array_length(json, '$.missing_by_source.sources') FROM xp_records WHERE id = ?1", "i", prof_id);
    double nc = rdb_num(db, "SELECT json_array_length(json, '$.missing_by_source.columns') FROM xp_records WHERE id = ?1", "i", prof_id);
    if (!(ns > 0) || !(nc > 0) || ns > 64 || nc > MAX_COLS) {
        rp_fig_close(f, "Share of the profiled (development) rows missing per column (record profile). "
                        "Missing share by source is not in this store's profile record (profiles written before it was added).");
        return;
    }
    int S = (int)ns, C = (int)nc;
    char *src[64], *cols[MAX_COLS];
    int ok = 1, got_s = 0, got_c = 0;
    st = rdb_query(db, "SELECT s.value FROM xp_records r, json_each(r.json, '$.missing_by_source.sources') s WHERE r.id = ?1 ORDER BY s.key",
                   "i", prof_id);
    while (st && got_s < S && sqlite3_step(st) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        if (!(src[got_s] = malloc(strlen(s ? s : "") + 1))) { ok = 0; break; }
        strcpy(src[got_s++], s ? s : "");
    }
    sqlite3_finalize(st);
    st = rdb_query(db, "SELECT json_extract(c.value, '$.name') || CASE WHEN json_extract(c.value, '$.codes') THEN '*' ELSE '' END "
                       "FROM xp_records r, json_each(r.json, '$.missing_by_source.columns') c WHERE r.id = ?1 ORDER BY c.key",
                   "i", prof_id);
    while (ok && st && got_c < C && sqlite3_step(st) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        if (!(cols[got_c] = malloc(strlen(s ? s : "") + 1))) { ok = 0; break; }
        strcpy(cols[got_c++], s ? s : "");
    }
    sqlite3_finalize(st);
    if (ok && got_s == S && got_c == C) {
        svg_plot q = { 0 };
        q.left = 44;
        q.bottom = 78;
        q.x.categories = C;
        q.x.labels = (const char *const *)cols;
        q.y.categories = S;
        q.y.labels = (const char *const *)src;
        svg_begin(&q, f, 60 + 13.0 * C, 100 + 13.0 * S, "missing share by source and column", NULL, "source");
        st = rdb_query(db,
            "SELECT c.key, v.key, v.value, json_extract(c.value, '$.name') FROM xp_records r, "
            "json_each(r.json, '$.missing_by_source.columns') c, json_each(c.value, '$.share') v WHERE r.id = ?1", "i", prof_id);
        char fill[16], tip[160];
        while (st && sqlite3_step(st) == SQLITE_ROW) {
            int c = sqlite3_column_int(st, 0), s = sqlite3_column_int(st, 1);
            double v = sqlite3_column_double(st, 2);
            if (c >= C || s >= S) continue;
            heat(v, fill);
            snprintf(tip, sizeof tip, "%s, source %s: %.1f%% missing", (const char *)sqlite3_column_text(st, 3), src[s], 100 * v);
            svg_cell(&q, c - 0.5, s - 0.5, c + 0.5, s + 0.5, fill, tip);
        }
        sqlite3_finalize(st);
        svg_end(&q);
    }
    for (int i = 0; i < got_s; i++) free(src[i]);
    for (int i = 0; i < got_c; i++) free(cols[i]);
    rp_fig_close(f, "Left: share of the profiled (development) rows missing per column. Right: the same per source "
                    "(darker = more missing; * = a column with placeholder codes, counted as missing here). Record profile.");
}

static void target_charts(FILE *f, sqlite3 *db, long long prof_id)
{
    double lo = rdb_num(db, "SELECT json_extract(json, '$.target.log1p.histogram.lo') FROM xp_records WHERE id = ?1", "i", prof_id);
    double hi = rdb_num(db, "SELECT json_extract(json, '$.target.log1p.histogram.hi') FROM xp_records WHERE id = ?1", "i", prof_id);
    double nb = rdb_num(db, "SELECT json_array_length(json, '$.target.log1p.histogram.counts') FROM xp_records WHERE id = ?1", "i", prof_id);
    double nv = rdb_num(db, "SELECT json_array_length(json, '$.versus') FROM xp_records WHERE id = ?1", "i", prof_id);
    char b1[32], b2[32], b3[32], tip[200];
    if (isnan(lo) && !(nv > 0)) {
        double q[5];
        const char *k[5] = { "$.target.q05", "$.target.q25", "$.target.median", "$.target.q75", "$.target.q95" };
        for (int i = 0; i < 5; i++)
            q[i] = rdb_num(db, "SELECT json_extract(json, ?2) FROM xp_records WHERE id = ?1", "it", prof_id, k[i]);
        fprintf(f, "<p>Target quantiles (5%%, 25%%, median, 75%%, 95%%): %s, %s, %s, ", rp_fmt(q[0], b1), rp_fmt(q[1], b2), rp_fmt(q[2], b3));
        fprintf(f, "%s, %s. The profile record predates the histogram; rerun a config with a profile stage to draw it.</p>\n",
                rp_fmt(q[3], b1), rp_fmt(q[4], b2));
        return;
    }
    rp_fig_open(f);
    if (!isnan(lo) && nb > 0) {
        int n = (int)nb;
        double w = (hi - lo) / n, *cnt = malloc((size_t)n * sizeof *cnt);
        if (cnt) {
            sqlite3_stmt *st = rdb_query(db, "SELECT c.key, c.value FROM xp_records r, json_each(r.json, '$.target.log1p.histogram.counts') c "
                                             "WHERE r.id = ?1", "i", prof_id);
            for (int i = 0; i < n; i++) cnt[i] = 0;
            while (st && sqlite3_step(st) == SQLITE_ROW) {
                int i = sqlite3_column_int(st, 0);
                if (i >= 0 && i < n) cnt[i] = sqlite3_column_double(st, 1);
            }
            sqlite3_finalize(st);
            svg_plot p = { 0 };
            double ends[2] = { expm1(lo), expm1(hi) };
            svg_axis_fit(&p.x, ends, 2, 1);
            svg_axis_fit(&p.y, cnt, (size_t)n, 0);
            p.y.lo = 0;
            svg_begin(&p, f, 440, 260, "target distribution", "target (log scale)", "rows");
            for (int i = 0; i < n; i++) {
                double a = expm1(lo + w * i), b = expm1(lo + w * (i + 1));
                snprintf(tip, sizeof tip, "%s to %s: %.0f rows", svg_num(a, b1), svg_num(b, b2), cnt[i]);
                svg_rect(&p, a, 0, b, cnt[i], "bar", tip);
            }
            svg_end(&p);
            free(cnt);
        }
    }
    /* the target per bin of each `versus` column, codes (e.g. quantity -2 = unknown) apart */
    for (int v = 0; v < (int)(nv > 0 ? nv : 0) && v < 4; v++) {
        char path[64];
        snprintf(path, sizeof path, "$.versus[%d]", v);
        char *col = rdb_text(db, "SELECT json_extract(json, ?2 || '.column') FROM xp_records WHERE id = ?1", "it", prof_id, path);
        sqlite3_stmt *st = rdb_query(db,
            "SELECT json_extract(b.value, '$.x'), json_extract(b.value, '$.q25'), json_extract(b.value, '$.median'), "
            "json_extract(b.value, '$.q75'), json_extract(b.value, '$.n'), json_extract(b.value, '$.lo'), json_extract(b.value, '$.hi'), "
            "json_extract(b.value, '$.q10'), json_extract(b.value, '$.q90') "
            "FROM xp_records r, json_each(r.json, ?2 || '.bins') b WHERE r.id = ?1 ORDER BY b.key", "it", prof_id, path);
        enum { MAXB = 64 };
        double x[MAXB], q1[MAXB], md[MAXB], q3[MAXB], cn[MAXB], blo[MAXB], bhi[MAXB], q10[MAXB], q90[MAXB];
        int n = 0;
        while (st && n < MAXB && sqlite3_step(st) == SQLITE_ROW) {
            x[n] = sqlite3_column_double(st, 0); q1[n] = sqlite3_column_double(st, 1); md[n] = sqlite3_column_double(st, 2);
            q3[n] = sqlite3_column_double(st, 3); cn[n] = sqlite3_column_double(st, 4); blo[n] = sqlite3_column_double(st, 5);
            bhi[n] = sqlite3_column_double(st, 6); q10[n] = sqlite3_column_double(st, 7); q90[n] = sqlite3_column_double(st, 8);
            n++;
        }
        sqlite3_finalize(st);
        if (n) {
            int logx = x[0] > 0;
            svg_plot p = { 0 };
            svg_axis_fit(&p.x, x, (size_t)n, logx);
            svg_axis_fit(&p.y, q10, (size_t)n, 1);
            for (int i = 0; i < n; i++) svg_axis_include(&p.y, q90[i]);
            char xl[160];
            snprintf(xl, sizeof xl, "%s%s (bin median)", col ? col : "?", logx ? ", log scale" : "");
            /* codes sit apart: drawn as dashed levels across the chart */
            sqlite3_stmt *cs = rdb_query(db,
                "SELECT json_extract(b.value, '$.x'), json_extract(b.value, '$.median'), json_extract(b.value, '$.n') "
                "FROM xp_records r, json_each(r.json, ?2 || '.codes') b WHERE r.id = ?1", "it", prof_id, path);
            double cx[8], cm[8], cc[8];
            int ncode = 0;
            while (cs && ncode < 8 && sqlite3_step(cs) == SQLITE_ROW) {
                cx[ncode] = sqlite3_column_double(cs, 0);
                cm[ncode] = sqlite3_column_double(cs, 1);
                cc[ncode] = sqlite3_column_double(cs, 2);
                svg_axis_include(&p.y, cm[ncode]);
                ncode++;
            }
            sqlite3_finalize(cs);
            char title[160];
            snprintf(title, sizeof title, "target vs %s", col ? col : "?");
            svg_begin(&p, f, 440, 260, title, xl, "target (log scale)");
            for (int i = 0; i < n; i++) {
                snprintf(tip, sizeof tip, "%s in [%s, %s]: %.0f rows, median target %s, middle half %s to %s", col ? col : "?",
                         svg_num(blo[i], b1), svg_num(bhi[i], b2), cn[i], svg_num(md[i], b3), rp_fmt(q1[i], b1), rp_fmt(q3[i], b2));
                svg_line(&p, x[i], q10[i], x[i], q90[i], "whisker");
                svg_line(&p, x[i], q1[i], x[i], q3[i], "median");
                svg_point(&p, x[i], md[i], 3.5, "dot", tip);
            }
            svg_polyline(&p, x, md, (size_t)n, "line");
            for (int k = 0; k < ncode; k++) {
                svg_line(&p, p.x.lo, cm[k], p.x.hi, cm[k], "ref");
                snprintf(tip, sizeof tip, "%s = %s (a code, %.0f rows): median %s", col ? col : "?", svg_num(cx[k], b1), cc[k],
                         svg_num(cm[k], b2));
                svg_text(&p, svg_px(&p, p.x.hi) - 4, svg_py(&p, cm[k]) + 13, "end", "tick", tip);
            }
            svg_end(&p);
        }
        free(col);
    }
    rp_fig_close(f, "Left: the target's distribution on the profiled rows (histogram of log1p(target), drawn on a log axis). "
                    "Right: the target per bin of a profiled column — dot: median, thick line: middle half, thin: 10% to 90%; "
                    "a dashed level: the rows holding a placeholder code. Record profile.");
}

static void data_section(FILE *f, sqlite3 *db, const rrun *base)
{
    char b1[32], b2[32], buf[256];
    fputs("<section id=\"data\"><h2>The data</h2>\n", f);
    long long run = data_run(db, base);
    if (run < 0) {
        fputs("<p>No run in this store profiled its data (a config's <code>profile:</code> stage records it).</p></section>\n", f);
        return;
    }
    double pid = rdb_num(db, "SELECT max(id) FROM xp_records WHERE run_id = ?1 AND kind = 'profile'", "i", run);
    long long prof = (long long)pid;
    char *dpath = NULL, *target = NULL;
    for (int i = 0; base && i < 1; i++) {
        const xp_cfg *c = base->cfg;
        dpath = c && cfg_scalar(cfg_path(c, "data.path")) ? strdup(cfg_scalar(cfg_path(c, "data.path"))) : NULL;
        target = c && cfg_scalar(cfg_path(c, "data.target")) ? strdup(cfg_scalar(cfg_path(c, "data.target"))) : NULL;
    }
    double rows = rdb_num(db, "SELECT json_extract(json, '$.n_rows') FROM xp_records WHERE id = ?1", "i", prof);
    double cols = rdb_num(db, "SELECT json_extract(json, '$.n_cols') FROM xp_records WHERE id = ?1", "i", prof);
    double dev = rdb_num(db, "SELECT json_extract(json, '$.dev_rows') FROM xp_records WHERE run_id = ?1 AND kind = 'split'", "i", run);
    double test = rdb_num(db, "SELECT json_extract(json, '$.test_rows') FROM xp_records WHERE run_id = ?1 AND kind = 'split'", "i", run);
    double groups = rdb_num(db, "SELECT json_extract(json, '$.groups') FROM xp_records WHERE run_id = ?1 AND kind = 'split'", "i", run);
    fputs("<p>", f);
    if (dpath) { fputs("File <code>", f); rp_esc(f, dpath); fputs("</code>: ", f); }
    fprintf(f, "%s rows &times; %s columns", rp_fmt(isnan(dev) || isnan(test) ? rows : dev + test, b1), rp_fmt(cols, b2));
    if (!isnan(dev)) fprintf(f, " — %s development rows (profiled, searched, refitted) and %s held-out test rows", rp_fmt(dev, b1), rp_fmt(test, b2));
    if (!isnan(groups)) fprintf(f, "; %s item groups", rp_fmt(groups, b1));
    if (target) { fputs(". Target: <code>", f); rp_esc(f, target); fputs("</code>", f); }
    fprintf(f, ". From run %lld's records <code>profile</code> and <code>split</code>.</p>\n", run);
    free(dpath);
    free(target);

    /* column types and roles */
    sqlite3_stmt *st = rdb_query(db,
        "SELECT json_extract(c.value, '$.type'), json_extract(c.value, '$.role'), count(*), "
        "group_concat(json_extract(c.value, '$.name'), ', ') FROM xp_records r, json_each(r.json, '$.columns') c "
        "WHERE r.id = ?1 GROUP BY 1, 2 ORDER BY 3 DESC", "i", prof);
    fputs("<h3>Columns</h3>\n<table><tr><th>type</th><th>role</th><th>columns</th><th>names</th></tr>\n", f);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        fputs("<tr><td>", f);
        rp_esc(f, rdb_col(st, 0, buf, sizeof buf));
        fputs("</td><td>", f);
        rp_esc(f, rdb_col(st, 1, buf, sizeof buf));
        fprintf(f, "</td><td class=\"n\">%d</td><td class=\"note\">", sqlite3_column_int(st, 2));
        const char *names = (const char *)sqlite3_column_text(st, 3);
        if (names && strlen(names) > 160) {
            snprintf(buf, sizeof buf, "%.150s …", names);
            rp_esc(f, buf);
        } else rp_esc(f, names);
        fputs("</td></tr>\n", f);
    }
    sqlite3_finalize(st);
    fputs("</table>\n<h3>Missing values</h3>\n", f);
    missing_charts(f, db, prof);

    /* placeholder codes: suspected by the profile, learned by the placeholders transform */
    fputs("<h3>Placeholder codes</h3>\n", f);
    st = rdb_query(db,
        "SELECT json_extract(c.value, '$.name'), json_extract(p.value, '$.value'), json_extract(p.value, '$.count'), "
        "json_extract(p.value, '$.share') FROM xp_records r, json_each(r.json, '$.columns') c, json_each(c.value, '$.placeholders') p "
        "WHERE r.id = ?1", "i", prof);
    int any = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        if (!any++) fputs("<table><tr><th>column</th><th>code</th><th>rows</th><th>share of present values</th></tr>\n", f);
        fputs("<tr><td>", f);
        rp_esc(f, rdb_col(st, 0, buf, sizeof buf));
        fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%d</td><td class=\"n\">%.1f%%</td></tr>\n",
                rp_fmt(sqlite3_column_double(st, 1), b1), sqlite3_column_int(st, 2), 100 * sqlite3_column_double(st, 3));
    }
    sqlite3_finalize(st);
    if (any) fputs("</table>\n", f);
    else fputs("<p>The profile found no placeholder codes.</p>\n", f);
    char *learned = rdb_text(db,
        "SELECT group_concat(json_extract(c.value, '$.name') || ' (' || (SELECT group_concat(json_extract(k.value, '$.value'), ', ') "
        "FROM json_each(c.value, '$.codes') k) || ')', '; ') FROM xp_records r, json_each(r.json, '$.columns') c "
        "WHERE r.id = (SELECT max(id) FROM xp_records WHERE run_id = ?1 AND kind = 'placeholders')", "i", run);
    if (learned) {
        fputs("<p>The <code>placeholders</code> step (learned on the training rows of each fit; the refit's record shown) turns these "
              "codes into missing values: ", f);
        rp_esc(f, learned);
        fputs(". Other codes, such as <code>quantity = -2</code>, are handled by their own step (below: target vs quantity).</p>\n", f);
        free(learned);
    }

    /* dropped columns and why (the refit's drop_columns record: the last of the run) */
    fputs("<h3>Dropped columns</h3>\n", f);
    st = rdb_query(db,
        "SELECT json_extract(d.value, '$.name'), json_extract(d.value, '$.reason'), json_extract(d.value, '$.missing_share'), "
        "json_extract(d.value, '$.top_share'), json_extract(d.value, '$.of'), json_extract(d.value, '$.r') "
        "FROM xp_records r, json_each(r.json, '$.dropped') d "
        "WHERE r.id = (SELECT max(id) FROM xp_records WHERE run_id = ?1 AND kind = 'drop_columns')", "i", run);
    any = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        if (!any++) fputs("<table><tr><th>column</th><th>why</th></tr>\n", f);
        fputs("<tr><td>", f);
        rp_esc(f, rdb_col(st, 0, buf, sizeof buf));
        fputs("</td><td>", f);
        rp_esc(f, rdb_col(st, 1, buf, sizeof buf));
        if (sqlite3_column_type(st, 2) != SQLITE_NULL) fprintf(f, ": %.2f%% missing", 100 * sqlite3_column_double(st, 2));
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) fprintf(f, ": one value in %.3f%% of rows", 100 * sqlite3_column_double(st, 3));
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
            fputs(" of <code>", f);
            rp_esc(f, rdb_col(st, 4, buf, sizeof buf));
            fprintf(f, "</code> (r = %.4f)", sqlite3_column_double(st, 5));
        }
        fputs("</td></tr>\n", f);
    }
    sqlite3_finalize(st);
    if (any) fprintf(f, "</table>\n<p class=\"note\">Decided on the training rows by the <code>drop_columns</code> step (run %lld's refit).</p>\n", run);
    else fputs("<p>No column was dropped (or the run has no <code>drop_columns</code> step).</p>\n", f);

    fputs("<h3>The target</h3>\n", f);
    target_charts(f, db, prof);

    /* strongest linear relations with the target */
    st = rdb_query(db, "SELECT json_extract(c.value, '$.name'), json_extract(c.value, '$.r') FROM xp_records r, "
                       "json_each(r.json, '$.target_correlations') c WHERE r.id = ?1 ORDER BY c.key", "i", prof);
    enum { MAXC = 20 };
    char *cn[MAXC];
    double cr[MAXC];
    int n = 0;
    while (st && n < MAXC && sqlite3_step(st) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        if (!(cn[n] = malloc(strlen(s ? s : "") + 1))) break;
        strcpy(cn[n], s ? s : "");
        cr[n++] = sqlite3_column_double(st, 1);
    }
    sqlite3_finalize(st);
    if (n) {
        rp_fig_open(f);
        svg_plot p = { 0 };
        p.left = 96;
        p.y.categories = n;
        p.y.labels = (const char *const *)cn;
        double lim[2] = { -0.05, 0.05 };
        svg_axis_fit(&p.x, lim, 2, 0);
        for (int i = 0; i < n; i++) svg_axis_include(&p.x, cr[i]);
        svg_begin(&p, f, 420, 56 + 14.0 * n, "correlation with the target", "Pearson r with the target", NULL);
        char tip[96];
        for (int i = 0; i < n; i++) {
            snprintf(tip, sizeof tip, "%s: r = %.3f", cn[i], cr[i]);
            svg_rect(&p, 0, i - 0.4, cr[i], i + 0.4, cr[i] >= 0 ? "bar" : "bar-warn", tip);
        }
        svg_end(&p);
        rp_fig_close(f, "The numeric columns most correlated with the target (raw scale, pairwise-complete rows; record profile).");
    }
    for (int i = 0; i < n; i++) free(cn[i]);
    fputs("</section>\n", f);
}

/* ------------------------------------------------------------------ methodology */

static void method_section(FILE *f, sqlite3 *db, const rrun *runs, int n, const rrun *base)
{
    char b1[32], b2[32];
    fputs("<section id=\"method\"><h2>Methodology, as it was run</h2>\n", f);
    if (!base || !base->cfg) {
        fputs("<p>No complete run with a readable config.</p></section>\n", f);
        return;
    }
    const xp_cfg *c = base->cfg;
    const char *group = cfg_scalar(cfg_path(c, "validation.group"));
    const char *tf = cfg_scalar(cfg_path(c, "validation.test_fraction"));
    const char *folds = cfg_scalar(cfg_path(c, "validation.folds"));
    const char *src = cfg_scalar(cfg_path(c, "data.source"));
    fputs("<p><b>Split.</b> ", f);
    if (tf) { fputs("A test part of ", f); rp_esc(f, tf); fputs(" of the rows is held out before anything is fitted and scored once at the end; ", f); }
    if (folds) { fputs("the rest is cut into ", f); rp_esc(f, folds); fputs(" cross-validation folds", f); }
    if (group) {
        fputs(", grouped by <code>", f);
        rp_esc(f, group);
        fputs("</code>: every row of one item sits on one side of each split, because the same item appears many times and "
              "a model that has seen its siblings would be scored on memory, not on prediction.", f);
        if (!isnan(base->random) && !isnan(base->cv))
            fprintf(f, " Measured on this data: the best configuration scores %s on grouped folds but %s on random ones.", rp_fmt(base->cv, b1),
                    rp_fmt(base->random, b2));
    } else fputs(".", f);
    fputs("</p>\n", f);
    /* the pipeline, step by step, with what each learned (its records) */
    const xp_cfg *pl = cfg_get(c, "pipeline");
    fputs("<p><b>Transforms</b> (fitted on the training rows of each fold, then on all development rows for the refit): ", f);
    for (size_t i = 0; i < cfg_len(pl); i++) {
        const char *name = cfg_scalar(cfg_get(cfg_at(pl, i), "plugin"));
        fputs(i ? " &rarr; <code>" : "<code>", f);
        rp_esc(f, name ? name : "?");
        fputs("</code>", f);
    }
    fputs(".", f);
    double dropped = rdb_num(db, "SELECT json_array_length(json, '$.dropped') FROM xp_records WHERE id = "
                                 "(SELECT max(id) FROM xp_records WHERE run_id = ?1 AND kind = 'drop_columns')", "i", base->id);
    double gmm = rdb_num(db, "SELECT json_array_length(json, '$.groups') FROM xp_records WHERE id = "
                             "(SELECT max(id) FROM xp_records WHERE run_id = ?1 AND kind = 'cluster_gmm')", "i", base->id);
    if (!isnan(dropped)) fprintf(f, " The refit dropped %.0f columns;", dropped);
    if (!isnan(gmm)) fprintf(f, " <code>cluster_gmm</code> turned %.0f groups of related columns into one target-mean feature each.", gmm);
    fputs("</p>\n", f);
    if (src) {
        fputs("<p><b>Sources.</b> Rows come from sources of different label quality (column <code>", f);
        rp_esc(f, src);
        fputs("</code>); every score is also kept per source", f);
        if (rdb_num(db, "SELECT count(*) FROM xp_records WHERE run_id = ?1 AND kind = 'source_weights'", "i", base->id) > 0)
            fputs(", and each source's rows are weighted by the inverse of its out-of-fold noise (estimated once before the search)", f);
        fputs(".</p>\n", f);
    }
    const char *model = cfg_scalar(cfg_path(c, "model.plugin"));
    const char *sampler = cfg_scalar(cfg_path(c, "search.sampler"));
    const char *pruner = cfg_scalar(cfg_path(c, "search.pruner.type"));
    double trials = rdb_num(db, "SELECT count(*) FROM xp_trial_runs WHERE run_id = ?1", "i", base->id);
    const xp_cfg *space = cfg_path(c, "search.space");
    fputs("<p><b>Search.</b> ", f);
    if (model) { fputs("Model <code>", f); rp_esc(f, model); fputs("</code>; ", f); }
    fprintf(f, "%.0f trials", trials);
    if (sampler) { fputs(" of the <code>", f); rp_esc(f, sampler); fputs("</code> sampler", f); }
    if (pruner) { fputs(", <code>", f); rp_esc(f, pruner); fputs("</code> pruner stopping trials whose folds fall behind", f); }
    fprintf(f, ", over %zu parameters (", cfg_len(space));
    for (size_t i = 0; i < cfg_len(space); i++) {
        const char *k = cfg_key_at(space, i);
        const xp_cfg *d = cfg_at(space, i);
        fputs(i ? ", <code>" : "<code>", f);
        rp_esc(f, k);
        fputs("</code> ", f);
        const char *lo = cfg_scalar(cfg_get(d, "low")), *hi = cfg_scalar(cfg_get(d, "high")), *lg = cfg_scalar(cfg_get(d, "log"));
        if (lo && hi) {
            fputs("[", f); rp_esc(f, lo); fputs(", ", f); rp_esc(f, hi); fputs("]", f);
            if (lg && !strcmp(lg, "true")) fputs(" log", f);
        }
    }
    fprintf(f, "), each trial scored by its mean grouped-CV %s.", base->objective);
    if (rdb_num(db, "SELECT count(*) FROM xp_records WHERE run_id = ?1 AND kind = 'polish'", "i", base->id) > 0)
        fputs(" The best point was then tried again at a smaller learning rate (polish) and kept only if its CV improved.", f);
    fputs(" The chosen configuration was refitted on all development rows and scored once on the test part.</p>\n", f);
    /* step 2, if any */
    int blends = 0, enc = 0;
    for (int i = 0; i < n; i++) { blends += runs[i].blend; enc += runs[i].encoders[0] != 0; }
    if (enc || blends) {
        fputs("<p><b>Step 2.</b> ", f);
        for (int i = 0; i < n; i++) {
            if (!runs[i].encoders[0] || runs[i].blend) continue;
            fputs("<code>", f);
            rp_esc(f, runs[i].name);
            fputs("</code> adds ", f);
            rp_esc(f, runs[i].encoders);
            fputs(" to the table (model <code>", f);
            rp_esc(f, runs[i].model);
            fputs("</code>); ", f);
        }
        for (int i = 0; i < n; i++) {
            if (!runs[i].blend) continue;
            fputs("<code>", f);
            rp_esc(f, runs[i].name);
            fputs("</code> blends its members with non-negative weights summing to one, fitted on their out-of-fold predictions "
                  "(then, with <code>calibrate: affine</code>, a scale and an offset fitted on the same rows; its CV "
                  "cross-fitted); ", f);
        }
        fputs("every study runs on the same split and folds, so the differences are the inputs' and the models'.</p>\n", f);
    }
    fputs("</section>\n", f);
}

/* ------------------------------------------------------------------ step 2 */

static void step2_section(FILE *f, sqlite3 *db, const rrun *runs, int n, const rrun *base)
{
    char b1[32], b2[32], b3[32], b4[32], tip[200];
    fputs("<section id=\"step2\"><h2>Step 2: what each modality adds</h2>\n", f);
    int *ord = malloc((size_t)(n ? n : 1) * sizeof *ord);
    if (!ord) { fputs("</section>\n", f); return; }
    for (int i = 0; i < n; i++) ord[i] = i;
    for (int i = 1; i < n; i++) {   /* best test first */
        int v = ord[i], j = i;
        while (j > 0 && (isnan(runs[ord[j - 1]].test) || (!isnan(runs[v].test) &&
               (runs[v].maximize ? runs[v].test > runs[ord[j - 1]].test : runs[v].test < runs[ord[j - 1]].test)))) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = v;
    }
    fprintf(f, "<table><tr><th>study</th><th>run</th><th>inputs</th><th>encoders</th><th>model</th><th>grouped CV</th>"
               "<th>test %s</th><th>change vs ", base ? base->objective : "");
    rp_esc(f, base ? base->name : "baseline");
    fputs("</th><th>test R²</th></tr>\n", f);
    for (int k = 0; k < n; k++) {
        const rrun *r = &runs[ord[k]];
        double cv = isnan(r->polish) ? r->cv : r->polish;
        fputs("<tr><td>", f);
        rp_esc(f, r->name);
        fprintf(f, "</td><td class=\"n\">%lld</td><td>%s</td><td>", r->id, inputs(r));
        rp_esc(f, r->encoders[0] ? r->encoders : "–");
        fputs("</td><td>", f);
        rp_esc(f, r->model);
        fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>", rp_fmt(cv, b1), rp_fmt(r->test, b2));
        if (base && r != base && !isnan(base->test) && base->test != 0)
            fprintf(f, "<td class=\"n\">%+.1f%%</td>", 100 * (r->test - base->test) / base->test);
        else fputs("<td class=\"n\">–</td>", f);
        fprintf(f, "<td class=\"n\">%s</td></tr>\n", rp_fmt(r->r2, b3));
    }
    fputs("</table>\n", f);
    /* the same as a chart: test bars, CV marks */
    const char **labels = malloc((size_t)(n ? n : 1) * sizeof *labels);
    double *vals = malloc((size_t)(2 * n + 1) * sizeof *vals);
    if (labels && vals && n) {
        for (int k = 0; k < n; k++) {
            labels[k] = runs[ord[k]].name;
            vals[2 * k] = runs[ord[k]].test;
            vals[2 * k + 1] = isnan(runs[ord[k]].polish) ? runs[ord[k]].cv : runs[ord[k]].polish;
        }
        vals[2 * n] = 0;
        rp_fig_open(f);
        svg_plot p = { 0 };
        p.left = 130;
        p.y.categories = n;
        p.y.labels = labels;
        svg_axis_fit(&p.x, vals, (size_t)(2 * n + 1), 0);
        p.x.lo = 0;
        char xl[96];
        snprintf(xl, sizeof xl, "%s (bars: test part; dots: grouped CV)", base ? base->objective : "");
        svg_begin(&p, f, 620, 60 + 26.0 * n, "ablation: test score per study", xl, NULL);
        for (int k = 0; k < n; k++) {
            const rrun *r = &runs[ord[k]];
            snprintf(tip, sizeof tip, "%s (%s): test %s, CV %s", r->name, inputs(r), svg_num(r->test, b1), svg_num(vals[2 * k + 1], b2));
            const char *cls = r->image && r->text ? "bar-test" : r->image || r->text ? "bar-alt" : "bar";
            svg_rect(&p, 0, k - 0.36, r->test, k + 0.36, cls, tip);
            svg_point(&p, vals[2 * k + 1], k, 3.5, "mark", NULL);
            snprintf(tip, sizeof tip, "%s  %s", svg_num(r->test, b1), inputs(r));
            svg_text(&p, svg_px(&p, r->test) + 4, svg_py(&p, k) + 4, "start", "val", tip);
        }
        svg_end(&p);
        rp_fig_close(f, "Each study's latest complete run on the same split (blue: table only; purple: one extra modality; "
                        "green: text and image). Tables xp_runs and xp_metrics.");
    }
    free(labels);
    free(vals);
    free(ord);

    /* encoders: each one's latest record (the refit's test part), scalar fields only */
    fputs("<h3>Encoders</h3>\n", f);
    int any = 0;
    for (int i = 0; i < n; i++) {
        if (!runs[i].encoders[0] || runs[i].blend) continue;
        char list[256];
        snprintf(list, sizeof list, "%s", runs[i].encoders);
        for (char *save = NULL, *tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
            sqlite3_stmt *st = rdb_query(db,
                "SELECT e.key, e.value FROM xp_records r, json_each(r.json) e WHERE r.id = "
                "(SELECT max(id) FROM xp_records WHERE run_id = ?1 AND kind = ?2) AND e.type NOT IN ('object', 'array')",
                "it", runs[i].id, tok);
            if (!any++) fputs("<table><tr><th>study</th><th>encoder</th><th>what its record says (last fit of the run)</th></tr>\n", f);
            fputs("<tr><td>", f);
            rp_esc(f, runs[i].name);
            fputs("</td><td><code>", f);
            rp_esc(f, tok);
            fputs("</code></td><td class=\"note\">", f);
            int first = 1;
            while (st && sqlite3_step(st) == SQLITE_ROW) {
                char k[64], v[160];
                rdb_col(st, 0, k, sizeof k);
                rdb_col(st, 1, v, sizeof v);
                if (strlen(v) > 24 && strspn(v, "0123456789abcdef") == strlen(v)) v[12] = 0;   /* hashes: a prefix */
                fputs(first ? "" : ", ", f);
                rp_esc(f, k);
                fputs(" ", f);
                rp_esc(f, v);
                first = 0;
            }
            sqlite3_finalize(st);
            fputs("</td></tr>\n", f);
        }
    }
    if (any) fputs("</table>\n", f);
    else fputs("<p>No study in this store used an encoder.</p>\n", f);

    /* images found: the image encoders' records of the refit (development and test rows) */
    any = 0;
    for (int i = 0; i < n; i++) {
        if (!runs[i].image || runs[i].blend) continue;
        sqlite3_stmt *st = rdb_query(db,
            "SELECT r.kind, json_extract(r.json, '$.rows'), coalesce(json_extract(r.json, '$.missing_rows'), "
            "json_extract(r.json, '$.rows_missing')), json_extract(r.json, '$.found'), "
            "json_extract(r.json, '$.no_file'), json_extract(r.json, '$.undecodable'), json_extract(r.json, '$.distinct') "
            "FROM xp_records r WHERE r.run_id = ?1 AND json_type(r.json) = 'object' AND json_extract(r.json, '$.found') IS NOT NULL "
            "AND r.id IN (SELECT max(id) FROM xp_records r2 WHERE r2.run_id = ?1 AND r2.kind = r.kind "
            "AND json_type(r2.json) = 'object' GROUP BY json_extract(r2.json, '$.rows') ORDER BY max(id) DESC LIMIT 2)",
            "i", runs[i].id);
        while (st && sqlite3_step(st) == SQLITE_ROW) {
            if (!any++) fputs("<h3>Images</h3>\n<table><tr><th>study</th><th>encoder</th><th>rows</th><th>rows without an image</th>"
                              "<th>distinct descriptions</th><th>image files found</th><th>no file</th><th>undecodable</th></tr>\n", f);
            fputs("<tr><td>", f);
            rp_esc(f, runs[i].name);
            fputs("</td><td><code>", f);
            rp_esc(f, (const char *)sqlite3_column_text(st, 0));
            double rows = sqlite3_column_double(st, 1), miss = sqlite3_column_double(st, 2);
            fprintf(f, "</code></td><td class=\"n\">%s</td><td class=\"n\">%s (%.1f%%)</td>", rp_fmt(rows, b1), rp_fmt(miss, b2),
                    rows > 0 ? 100 * miss / rows : 0.0);
            fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td>", rp_fmt(sqlite3_column_double(st, 6), b3),
                    rp_fmt(sqlite3_column_double(st, 3), b4));
            fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n", rp_fmt(sqlite3_column_double(st, 4), b1),
                    rp_fmt(sqlite3_column_double(st, 5), b2));
        }
        sqlite3_finalize(st);
    }
    if (any) fputs("</table>\n<p class=\"note\">The refit's two records per image encoder: all development rows and the test part. "
                   "A row without a usable image gets no vector and a missing flag, never a zero vector.</p>\n", f);
    fputs("</section>\n", f);
}

/* ------------------------------------------------------------------ all runs */

static void runs_section(FILE *f, sqlite3 *db, const rrun *runs, int n)
{
    char b1[32], b2[32], b3[32], b4[32], b5[32], buf[256];
    fputs("<section id=\"runs\"><h2>Every run</h2>\n<table><tr><th>run</th><th>study</th><th>status</th><th>started</th>"
          "<th>trials C/P/F</th><th>grouped CV</th><th>test</th><th>test R²</th><th>wall s</th><th>CPU s</th>"
          "<th>config sha256</th><th>git</th><th>seed</th></tr>\n", f);
    sqlite3_stmt *st = rdb_query(db,
        "SELECT r.id, r.name, r.status, r.started_at, "
        "(SELECT count(*) FROM xp_trial_runs tr JOIN trials t ON t.trial_id = tr.trial_id WHERE tr.run_id = r.id AND t.state = 'COMPLETE'), "
        "(SELECT count(*) FROM xp_trial_runs tr JOIN trials t ON t.trial_id = tr.trial_id WHERE tr.run_id = r.id AND t.state = 'PRUNED'), "
        "(SELECT count(*) FROM xp_trial_runs tr JOIN trials t ON t.trial_id = tr.trial_id WHERE tr.run_id = r.id AND t.state = 'FAIL'), "
        "(SELECT metric FROM xp_metrics WHERE run_id = r.id AND split = 'cv_grouped' LIMIT 1), "
        "(SELECT value FROM xp_metrics WHERE run_id = r.id AND split = 'cv_grouped' LIMIT 1), "
        "(SELECT value FROM xp_metrics m WHERE m.run_id = r.id AND m.split = 'test' AND m.trial_id IS NULL AND m.source IS NULL "
        "  AND m.metric = (SELECT metric FROM xp_metrics WHERE run_id = r.id AND split = 'cv_grouped' LIMIT 1)), "
        "(SELECT value FROM xp_metrics m WHERE m.run_id = r.id AND m.split = 'test' AND m.trial_id IS NULL AND m.source IS NULL "
        "  AND m.metric = 'r2'), r.wall_seconds, r.cpu_seconds, r.config_sha256, r.git_rev, r.seed FROM xp_runs r ORDER BY r.id", "");
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        int latest = 0;
        for (int i = 0; i < n; i++) latest |= runs[i].id == id;
        fprintf(f, "<tr%s><td class=\"n\">%lld</td><td>", latest ? " class=\"latest\"" : "", id);
        rp_esc(f, rdb_col(st, 1, buf, sizeof buf));
        fputs("</td><td>", f);
        rp_esc(f, rdb_col(st, 2, buf, sizeof buf));
        fputs("</td><td>", f);
        rp_esc(f, rdb_col(st, 3, buf, 20));
        fprintf(f, "</td><td class=\"n\">%d/%d/%d</td><td class=\"n\">", sqlite3_column_int(st, 4), sqlite3_column_int(st, 5),
                sqlite3_column_int(st, 6));
        double cv = sqlite3_column_type(st, 8) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 8);
        double te = sqlite3_column_type(st, 9) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 9);
        double r2 = sqlite3_column_type(st, 10) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 10);
        double wall = sqlite3_column_type(st, 11) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 11);
        double cpu = sqlite3_column_type(st, 12) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 12);
        fprintf(f, "%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td><code>",
                rp_fmt(cv, b1), rp_fmt(te, b2), rp_fmt(r2, b3), rp_fmt(wall, b4), rp_fmt(cpu, b5));
        rp_esc(f, rdb_col(st, 13, buf, 13));
        fputs("</code></td><td><code>", f);
        rp_esc(f, rdb_col(st, 14, buf, 11));
        fprintf(f, "</code></td><td class=\"n\">%lld</td></tr>\n", (long long)sqlite3_column_int64(st, 15));
    }
    sqlite3_finalize(st);
    fputs("</table>\n<p class=\"note\">Highlighted: each study's latest complete run (the one the other sections show). "
          "Scores are in each run's own objective. Table xp_runs, with trials (xp_trial_runs) and xp_metrics.</p>\n</section>\n", f);
}

/* ------------------------------------------------------------------ noise floor */

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    while (s) {
        size_t got = fread(s + n, 1, cap - n - 1, fp);
        n += got;
        if (n + 1 < cap) break;
        char *t = realloc(s, cap *= 2);
        if (!t) { free(s); s = NULL; }
        else s = t;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (!s || bad) { free(s); return NULL; }
    s[n] = 0;
    return s;
}

static void floor_section(FILE *f, sqlite3 *db, const rrun *runs, int n, const rrun *base)
{
    const char *dpath = base && base->cfg ? cfg_scalar(cfg_path(base->cfg, "data.path")) : NULL;
    if (!dpath) return;
    char path[4096];
    const char *slash = strrchr(dpath, '/');
    snprintf(path, sizeof path, "%.*sORACLE.json", slash ? (int)(slash - dpath + 1) : 0, dpath);
    char *json = read_file(path);
    fputs("<section id=\"floor\"><h2>The gap to the noise floor</h2>\n", f);
    if (!json || !(rdb_num(db, "SELECT json_valid(?1)", "t", json) == 1)) {
        fputs("<p>No <code>", f);
        rp_esc(f, path);
        fputs("</code> next to the data: the noise floor of real data is unknown.</p></section>\n", f);
        free(json);
        return;
    }
    char b1[32], b2[32], b3[32], b4[32], tip[200];
    double nh = rdb_num(db, "SELECT json_extract(?1, '$.oracles.all_hidden.all.n')", "t", json);
    double floor = rdb_num(db, "SELECT json_extract(?1, '$.oracles.all_hidden.all.rmsle')", "t", json);
    fputs("<p><code>", f);
    rp_esc(f, path);
    fprintf(f, "</code> holds the metrics of the Bayes predictors of the generator that made this data, on its own %s held-out "
               "rows: what the best possible model reaches with the same information (table only, + text, + image), and the "
               "noise floor (every hidden property known: RMSLE %s). The oracle's rows are not the run's test part, so the "
               "ratios are indicative; <code>bench/oracle/</code> scores both on the same rows.</p>\n", rp_fmt(nh, b1), rp_fmt(floor, b2));
    fputs("<table><tr><th>study</th><th>inputs</th><th>test RMSLE</th><th>oracle, same inputs</th><th>ratio</th>"
          "<th>noise floor</th><th>ratio</th></tr>\n", f);
    const char **labels = malloc((size_t)(n ? n : 1) * sizeof *labels);
    double *mine = malloc((size_t)(n ? n : 1) * sizeof *mine), *orc = malloc((size_t)(n ? n : 1) * sizeof *orc);
    int m = 0;
    for (int i = 0; labels && mine && orc && i < n; i++) {
        const rrun *r = &runs[i];
        double te = run_metric(db, r->id, "test", "rmsle");
        if (isnan(te)) continue;
        const char *key = r->text && r->image ? "table_text_image" : r->text ? "table_text" : r->image ? "table_image" : "table";
        char q[96];
        snprintf(q, sizeof q, "$.oracles.%s.all.rmsle", key);
        double o = rdb_num(db, "SELECT json_extract(?1, ?2)", "tt", json, q);
        fputs("<tr><td>", f);
        rp_esc(f, r->name);
        fprintf(f, "</td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s <span class=\"note\">(%s)</span></td><td class=\"n\">%s</td>"
                   "<td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n", inputs(r), rp_fmt(te, b1), rp_fmt(o, b2), key,
                o > 0 ? (snprintf(b3, 32, "%.2f&times;", te / o), b3) : "–", rp_fmt(floor, b4),
                floor > 0 ? (snprintf(tip, sizeof tip, "%.2f&times;", te / floor), tip) : "–");
        labels[m] = r->name;
        mine[m] = te;
        orc[m++] = o;
    }
    fputs("</table>\n", f);
    if (m) {
        rp_fig_open(f);
        svg_plot p = { 0 };
        p.left = 130;
        p.y.categories = m;
        p.y.labels = labels;
        double lim[2] = { 0, floor };
        svg_axis_fit(&p.x, lim, 2, 0);
        for (int i = 0; i < m; i++) { svg_axis_include(&p.x, mine[i] * 1.05); svg_axis_include(&p.x, orc[i]); }
        p.x.lo = 0;
        svg_begin(&p, f, 620, 60 + 30.0 * m, "test RMSLE against the oracles", "RMSLE (bars: run; grey: oracle with the same inputs)", NULL);
        for (int i = 0; i < m; i++) {
            snprintf(tip, sizeof tip, "%s: oracle %s", labels[i], svg_num(orc[i], b1));
            svg_rect(&p, 0, i - 0.4, orc[i], i - 0.05, "bar-oracle", tip);
            snprintf(tip, sizeof tip, "%s: test %s", labels[i], svg_num(mine[i], b1));
            svg_rect(&p, 0, i + 0.0, mine[i], i + 0.38, "bar", tip);
        }
        if (floor > 0) svg_line(&p, floor, -0.5, floor, m - 0.5, "ref");
        svg_end(&p);
        rp_fig_close(f, "Each study's test RMSLE (blue) against the Bayes predictor that sees the same inputs (grey); "
                        "the dashed line is the noise floor. ORACLE.json, oracles.*.all.");
    }
    free(labels); free(mine); free(orc); free(json);
    fputs("</section>\n", f);
}

/* ------------------------------------------------------------------ the page */

static void summary(FILE *f, sqlite3 *db, const rrun *runs, int n, const rrun *base)
{
    char b1[32];
    const rrun *best = NULL;
    for (int i = 0; i < n; i++)
        if (!isnan(runs[i].test) && (!best || (runs[i].maximize ? runs[i].test > best->test : runs[i].test < best->test))) best = &runs[i];
    double total = rdb_num(db, "SELECT count(*) FROM xp_runs", "");
    double trials = rdb_num(db, "SELECT count(*) FROM trials", "");
    double wall = rdb_num(db, "SELECT sum(wall_seconds) FROM xp_runs", "");
    fputs("<div class=\"kpi\">", f);
    if (base) {
        fputs("<div>step 1 (", f);
        rp_esc(f, base->name);
        fprintf(f, ") test %s<b>%s</b></div>", base->objective, rp_fmt(base->test, b1));
    }
    if (best && best != base) {
        fputs("<div>best study (", f);
        rp_esc(f, best->name);
        fprintf(f, ") test %s<b>%s</b></div>", best->objective, rp_fmt(best->test, b1));
    }
    if (base && !isnan(base->random)) fprintf(f, "<div>random split would claim<b>%s</b></div>", rp_fmt(base->random, b1));
    fprintf(f, "<div>runs / trials<b>%.0f / %.0f</b></div><div>compute, wall<b>%.1f h</b></div></div>\n", total, trials, wall / 3600);
}

static int write_page(FILE *f, sqlite3 *db, const char *store_path)
{
    rrun *runs = NULL;
    int n = 0;
    if (collect(db, &runs, &n)) {
        free_runs(runs, n);
        fprintf(stderr, "runner report: %s: cannot read the runs\n", store_path);
        return 1;
    }
    const rrun *base = baseline(runs, n);
    fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Experiment report: ", f);
    rp_esc(f, store_path);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head><body>\n<header><h1>Experiment report</h1>\n<p class=\"note\">Store <code>", css);
    rp_esc(f, store_path);
    char *last = rdb_text(db, "SELECT max(coalesce(ended_at, started_at)) FROM xp_runs", "");
    fputs("</code>, last run ", f);
    rp_esc(f, last ? last : "–");
    free(last);
    fputs(". Every number and chart below is read from the store and the artifacts it records.</p></header>\n", f);
    if (!n) {
        fputs("<p>No complete runs yet.</p></body></html>\n", f);
        free_runs(runs, n);
        return 0;
    }
    summary(f, db, runs, n, base);
    fputs("<nav><ol><li><a href=\"#method\">Methodology</a></li><li><a href=\"#data\">The data</a></li>"
          "<li><a href=\"#step1\">Step 1</a></li><li><a href=\"#step2\">Step 2</a></li>", f);
    for (int i = 0; i < n; i++) {
        if (&runs[i] == base) continue;
        fprintf(f, "<li><a href=\"#study-%lld\">", runs[i].study);
        rp_esc(f, runs[i].name);
        fputs("</a></li>", f);
    }
    fputs("<li><a href=\"#runs\">Every run</a></li><li><a href=\"#floor\">Noise floor</a></li></ol></nav>\n", f);
    method_section(f, db, runs, n, base);
    data_section(f, db, base);
    fputs("<section id=\"step1\"><h2>Step 1: the table</h2>\n", f);
    if (base) rp_study(f, db, base, 3);
    fputs("</section>\n", f);
    step2_section(f, db, runs, n, base);
    for (int i = 0; i < n; i++)
        if (&runs[i] != base) rp_study(f, db, &runs[i], 2);
    runs_section(f, db, runs, n);
    floor_section(f, db, runs, n, base);
    fputs("<footer class=\"note\"><p>Written by <code>runner report --html</code>.</p></footer>\n</body></html>\n", f);
    free_runs(runs, n);
    return 0;
}

static int make_dirs(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0777) && errno != EEXIST) return -1;
        *s = '/';
    }
    return mkdir(p, 0777) && errno != EEXIST ? -1 : 0;
}

int report_html(const char *store_path, const char *out_dir)
{
    char err[1024];
    sqlite3 *db = rdb_open(store_path, err, sizeof err);
    if (!db) { fprintf(stderr, "runner report: %s\n", err); return 1; }
    if (make_dirs(out_dir)) {
        fprintf(stderr, "runner report: %s: cannot create: %s\n", out_dir, strerror(errno));
        rdb_close(db);
        return 1;
    }
    char tmp[4096], final[4096], md[4096];
    snprintf(tmp, sizeof tmp, "%s/index.html.tmp", out_dir);
    snprintf(final, sizeof final, "%s/index.html", out_dir);
    snprintf(md, sizeof md, "%s/report.md", out_dir);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "runner report: %s: cannot write: %s\n", tmp, strerror(errno));
        rdb_close(db);
        return 1;
    }
    int rc = write_page(f, db, store_path);
    rdb_close(db);
    int werr = ferror(f);
    if (fclose(f) || werr) {
        fprintf(stderr, "runner report: %s: write failed: %s\n", tmp, strerror(errno));
        rc = 1;
    }
    if (rc || rename(tmp, final)) {
        if (!rc) fprintf(stderr, "runner report: %s: cannot rename to %s: %s\n", tmp, final, strerror(errno));
        remove(tmp);
        return 1;
    }
    FILE *m = fopen(md, "w");
    if (!m) {
        fprintf(stderr, "runner report: %s: cannot write: %s\n", md, strerror(errno));
        return 1;
    }
    rc = report_markdown(store_path, m);
    werr = ferror(m);
    if (fclose(m) || werr) {
        fprintf(stderr, "runner report: %s: write failed: %s\n", md, strerror(errno));
        rc = 1;
    }
    if (!rc) printf("%s\n%s\n", final, md);
    return rc;
}
