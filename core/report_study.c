/* core/report_study.c — one study's section of the HTML report (report_page.h): what its
 * latest complete run searched and found, how honest the validation was, how it did per
 * source, and its test predictions, all read from the store and the run's artifacts.
 *
 *     rp_study(f, db, &run, 2);     // <h2>, the search charts, scores, sources, predictions
 *
 * The predictions come from the run's test_predictions artifact; its sha256 is checked
 * against the one recorded when it was written, so a page never draws a file that changed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_db.h"
#include "report_page.h"
#include "sha256.h"
#include "svg.h"

enum { MAX_POINTS = 2500 };   /* scatter points drawn per chart (every k-th row beyond) */

/* ------------------------------------------------------------------ the search */

typedef struct trial_pt {
    long long id, number;
    int pruned;
    double value, elapsed;       /* objective; seconds since the run started */
} trial_pt;

static int load_trials(sqlite3 *db, long long run, trial_pt **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = rdb_query(db,
        "SELECT t.trial_id, t.number, t.state, v.value, "
        "(julianday(coalesce(t.datetime_complete, t.datetime_start)) - julianday(r.started_at)) * 86400 "
        "FROM trials t JOIN xp_trial_runs tr ON tr.trial_id = t.trial_id JOIN xp_runs r ON r.id = tr.run_id "
        "LEFT JOIN trial_values v ON v.trial_id = t.trial_id AND v.objective = 0 "
        "WHERE tr.run_id = ?1 AND t.state IN ('COMPLETE', 'PRUNED') AND v.value IS NOT NULL ORDER BY t.number",
        "i", run);
    if (!st) return -1;
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            trial_pt *p = realloc(*out, cap * sizeof *p);
            if (!p) { sqlite3_finalize(st); return -1; }
            *out = p;
        }
        trial_pt *t = &(*out)[(*n)++];
        t->id = sqlite3_column_int64(st, 0);
        t->number = sqlite3_column_int64(st, 1);
        t->pruned = !strcmp((const char *)sqlite3_column_text(st, 2), "PRUNED");
        t->value = sqlite3_column_double(st, 3);
        t->elapsed = sqlite3_column_double(st, 4);
    }
    sqlite3_finalize(st);
    return 0;
}

static int better(const rrun *r, double a, double b)
{
    return isnan(b) || (r->maximize ? a > b : a < b);
}

/* Best-so-far against the trial number (by_time 0) or the seconds since the run started. */
static void search_curve(FILE *f, const rrun *r, const trial_pt *t, size_t n, int by_time)
{
    double *x = calloc(n ? n : 1, sizeof *x), *y = calloc(n ? n : 1, sizeof *y);
    double *bx = malloc((2 * n + 1) * sizeof *bx), *by = malloc((2 * n + 1) * sizeof *by);
    if (!x || !y || !bx || !by) { free(x); free(y); free(bx); free(by); return; }
    size_t nb = 0;
    double best = NAN;
    for (size_t i = 0; i < n; i++) {
        x[i] = by_time ? t[i].elapsed : (double)t[i].number;
        y[i] = t[i].value;
        if (t[i].pruned || !better(r, t[i].value, best)) continue;
        if (nb) { bx[nb] = x[i]; by[nb] = best; nb++; }   /* a step, not a slope */
        best = t[i].value;
        bx[nb] = x[i];
        by[nb] = best;
        nb++;
    }
    svg_plot p = { 0 };
    p.top = 24;   /* room for the legend */
    svg_axis_fit(&p.x, x, n, 0);
    svg_axis_fit(&p.y, y, n, 0);
    char ylab[96];
    snprintf(ylab, sizeof ylab, "CV %s", r->objective);
    svg_begin(&p, f, 400, 250, by_time ? "best so far over time" : "best so far over trials",
              by_time ? "seconds since the run started" : "trial number", ylab);
    if (nb && n) { bx[nb] = x[n - 1]; by[nb] = best; nb++; }   /* the best holds to the last trial */
    svg_polyline(&p, bx, by, nb, "best");
    char tip[128], b1[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(tip, sizeof tip, "trial %lld: %s%s", t[i].number, svg_num(t[i].value, b1),
                 t[i].pruned ? " (pruned: last reported value)" : "");
        svg_point(&p, x[i], y[i], t[i].pruned ? 3 : 3.5, t[i].pruned ? "pruned" : "dot", tip);
    }
    svg_legend(&p, 0, "dot", "complete");
    svg_legend(&p, 1, "pruned", "pruned");
    svg_end(&p);
    free(x); free(y); free(bx); free(by);
}

/* One searched parameter against the score (categorical parameters on a band axis). */
static void param_chart(FILE *f, sqlite3 *db, const rrun *r, const char *name)
{
    char *dist = rdb_text(db,
        "SELECT p.distribution_json FROM trial_params p JOIN xp_trial_runs tr ON tr.trial_id = p.trial_id "
        "WHERE tr.run_id = ?1 AND p.param_name = ?2 LIMIT 1", "it", r->id, name);
    if (!dist) return;
    int is_cat = strstr(dist, "CategoricalDistribution") != NULL;
    int is_log = rdb_num(db, "SELECT json_extract(?1, '$.attributes.log')", "t", dist) == 1;
    enum { MAX_CHOICES = 32 };
    char *choices[MAX_CHOICES];
    int nc = 0;
    if (is_cat) {
        sqlite3_stmt *cs = rdb_query(db, "SELECT value FROM json_each(?1, '$.attributes.choices')", "t", dist);
        while (cs && nc < MAX_CHOICES && sqlite3_step(cs) == SQLITE_ROW) {
            const char *c = (const char *)sqlite3_column_text(cs, 0);
            choices[nc] = malloc(strlen(c ? c : "null") + 1);
            if (!choices[nc]) break;
            strcpy(choices[nc++], c ? c : "null");
        }
        sqlite3_finalize(cs);
    }
    free(dist);
    sqlite3_stmt *st = rdb_query(db,
        "SELECT p.param_value, v.value, t.state = 'PRUNED', t.number FROM trial_params p "
        "JOIN xp_trial_runs tr ON tr.trial_id = p.trial_id JOIN trials t ON t.trial_id = p.trial_id "
        "JOIN trial_values v ON v.trial_id = p.trial_id AND v.objective = 0 "
        "WHERE tr.run_id = ?1 AND p.param_name = ?2 AND t.state IN ('COMPLETE', 'PRUNED') ORDER BY t.number",
        "it", r->id, name);
    size_t n = 0, cap = 64;
    double *x = malloc(cap * sizeof *x), *y = malloc(cap * sizeof *y);
    int *pr = malloc(cap * sizeof *pr);
    long long *num = malloc(cap * sizeof *num);
    while (st && x && y && pr && num && sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap *= 2;
            double *nx = realloc(x, cap * sizeof *x);
            if (nx) x = nx;
            double *ny = realloc(y, cap * sizeof *y);
            if (ny) y = ny;
            int *np = realloc(pr, cap * sizeof *pr);
            if (np) pr = np;
            long long *nn = realloc(num, cap * sizeof *num);
            if (nn) num = nn;
            if (!nx || !ny || !np || !nn) break;
        }
        x[n] = sqlite3_column_double(st, 0);
        y[n] = sqlite3_column_double(st, 1);
        pr[n] = sqlite3_column_int(st, 2);
        num[n] = sqlite3_column_int64(st, 3);
        n++;
    }
    sqlite3_finalize(st);
    if (x && y && pr && num && n) {
        svg_plot p = { 0 };
        p.left = 52;
        svg_axis_fit(&p.x, x, n, is_log);
        svg_axis_fit(&p.y, y, n, 0);
        if (is_cat) {
            p.x.categories = nc > 0 ? nc : 1;
            p.x.labels = (const char *const *)choices;
        }
        svg_begin(&p, f, 280, 200, name, name, r->objective);
        char tip[160], b1[32], b2[32];
        for (size_t i = 0; i < n; i++) {
            snprintf(tip, sizeof tip, "trial %lld: %s = %s, %s %s%s", num[i], name,
                     is_cat && x[i] >= 0 && x[i] < nc ? choices[(int)x[i]] : svg_num(x[i], b1), r->objective,
                     svg_num(y[i], b2), pr[i] ? " (pruned)" : "");
            svg_point(&p, x[i], y[i], 3.5, pr[i] ? "pruned" : "dot", tip);
        }
        svg_end(&p);
    }
    for (int i = 0; i < nc; i++) free(choices[i]);
    free(x); free(y); free(pr); free(num);
}

static void search_section(FILE *f, sqlite3 *db, const rrun *r, int h)
{
    trial_pt *t = NULL;
    size_t n = 0;
    if (load_trials(db, r->id, &t, &n)) { free(t); return; }
    int pruned = 0;
    for (size_t i = 0; i < n; i++) pruned += t[i].pruned;
    fprintf(f, "<h%d>The search</h%d>\n", h + 1, h + 1);
    if (!n) {
        fputs("<p>This run evaluated no trials of its own (a blend, or a study resumed after its budget was spent).</p>\n", f);
        free(t);
        return;
    }
    fprintf(f, "<p>%zu trials evaluated by this run: %zu complete, %d pruned by the median pruner "
               "(marked <span class=\"k-pruned\">&#9675;</span>, at the last value they reported).</p>\n",
            n, n - (size_t)pruned, pruned);
    rp_fig_open(f);
    search_curve(f, r, t, n, 0);
    search_curve(f, r, t, n, 1);
    rp_fig_close(f, "Every trial's cross-validated score and the best so far, against the trial number and "
                    "against time (tables trials, trial_values, xp_trial_runs).");
    free(t);
    sqlite3_stmt *st = rdb_query(db,
        "SELECT p.param_name FROM trial_params p JOIN xp_trial_runs tr ON tr.trial_id = p.trial_id "
        "WHERE tr.run_id = ?1 GROUP BY p.param_name ORDER BY min(p.param_id)", "i", r->id);
    int any = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        if (!any++) rp_fig_open(f);
        param_chart(f, db, r, (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    if (any) rp_fig_close(f, "Each searched parameter against the trial's score (log axes where the search "
                             "space is log-uniform; table trial_params).");
}

/* ------------------------------------------------------------------ chosen configuration */

/* blend.strata: each stratum's rows and, where it has its own, weights (in the members'
 * order), scale and offset; nothing for a blend without strata. */
static void strata_table(FILE *f, sqlite3 *db, const rrun *r)
{
    sqlite3_stmt *st = rdb_query(db,
        "SELECT json_extract(s.value, '$.stratum'), json_extract(s.value, '$.rows'), json_extract(s.value, '$.own_weights'), "
        "(SELECT group_concat(w.value, ' / ') FROM json_each(s.value, '$.weights') w), json_extract(s.value, '$.scale'), "
        "json_extract(s.value, '$.offset') FROM xp_records b, json_each(b.json, '$.strata') s "
        "WHERE b.run_id = ?1 AND b.kind = 'blend' ORDER BY s.key", "i", r->id);
    int rows = 0;
    char b1[32], b2[32], buf[1024];
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        if (!rows++)
            fputs("<table><tr><th>stratum (blend.strata)</th><th>out-of-fold rows</th><th>weights, by member</th>"
                  "<th>scale</th><th>offset</th></tr>\n", f);
        fputs("<tr><td>", f);
        rp_esc(f, rdb_col(st, 0, buf, sizeof buf));
        fprintf(f, "</td><td>%lld</td><td>", (long long)sqlite3_column_int64(st, 1));
        if (sqlite3_column_int(st, 2)) {
            rp_esc(f, rdb_col(st, 3, buf, sizeof buf));
            fprintf(f, "</td><td>%s</td><td>%s</td></tr>\n", rp_fmt(sqlite3_column_double(st, 4), b1),
                    rp_fmt(sqlite3_column_double(st, 5), b2));
        } else
            fputs("the pooled weights (too few rows for its own)</td><td></td><td></td></tr>\n", f);
    }
    sqlite3_finalize(st);
    if (rows) fputs("</table>\n", f);
}

static void chosen_section(FILE *f, sqlite3 *db, const rrun *r, int h)
{
    fprintf(f, "<h%d>The chosen configuration</h%d>\n", h + 1, h + 1);
    if (r->blend) {
        sqlite3_stmt *st = rdb_query(db,
            "SELECT json_extract(m.value, '$.study'), json_extract(m.value, '$.run_id'), json_extract(m.value, '$.weight'), "
            "json_extract(m.value, '$.oof'), json_extract(b.json, '$.method'), json_extract(b.json, '$.space'), "
            "json_extract(b.json, '$.scale'), json_extract(b.json, '$.offset') "
            "FROM xp_records b, json_each(b.json, '$.members') m WHERE b.run_id = ?1 AND b.kind = 'blend'", "i", r->id);
        fputs("<table><tr><th>member study</th><th>run</th><th>blend weight</th><th>member out-of-fold score</th></tr>\n", f);
        char b1[32], b2[32], method[64] = "", space[64] = "";
        double scale = NAN, offset = NAN;   /* blend runs before calibrate have neither */
        while (st && sqlite3_step(st) == SQLITE_ROW) {
            fputs("<tr><td>", f);
            rp_esc(f, (const char *)sqlite3_column_text(st, 0));
            fprintf(f, "</td><td>%lld</td><td>%s</td><td>%s</td></tr>\n", (long long)sqlite3_column_int64(st, 1),
                    rp_fmt(sqlite3_column_double(st, 2), b1), rp_fmt(sqlite3_column_double(st, 3), b2));
            rdb_col(st, 4, method, sizeof method);
            rdb_col(st, 5, space, sizeof space);
            if (sqlite3_column_type(st, 6) != SQLITE_NULL) scale = sqlite3_column_double(st, 6);
            if (sqlite3_column_type(st, 7) != SQLITE_NULL) offset = sqlite3_column_double(st, 7);
        }
        sqlite3_finalize(st);
        fputs("</table>\n<p class=\"note\">Weights fitted on the members' out-of-fold predictions (method ", f);
        rp_esc(f, method);
        fputs(", in ", f);
        rp_esc(f, space);
        fputs(" space)", f);
        if (!isnan(scale) && !isnan(offset) && (scale != 1 || offset != 0))
            fprintf(f, ", then calibrated on the same rows: prediction = %s + %s &times; weighted sum", rp_fmt(offset, b1),
                    rp_fmt(scale, b2));
        fputs("; record <code>blend</code>.</p>\n", f);
        strata_table(f, db, r);
        return;
    }
    /* The refit's own config (artifact refit_config) holds the values actually used; the
     * searched keys are the trial parameter names. */
    char *path = rdb_text(db, "SELECT path FROM xp_artifacts WHERE run_id = ?1 AND kind = 'refit_config' ORDER BY id DESC LIMIT 1",
                          "i", r->id);
    char err[512];
    xp_cfg *cfg = path ? cfg_load_file(path, err, sizeof err) : NULL;
    sqlite3_stmt *st = rdb_query(db,
        "SELECT p.param_name FROM trial_params p JOIN xp_trial_runs tr ON tr.trial_id = p.trial_id "
        "WHERE tr.run_id = ?1 GROUP BY p.param_name ORDER BY min(p.param_id)", "i", r->id);
    fputs("<table><tr><th>parameter</th><th>value used by the refit</th></tr>\n", f);
    int rows = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *v = cfg ? cfg_scalar(cfg_path(cfg, name)) : NULL;
        fputs("<tr><td><code>", f);
        rp_esc(f, name);
        fputs("</code></td><td>", f);
        rp_esc(f, v ? v : "– (refit config not readable)");
        fputs("</td></tr>\n", f);
        rows++;
    }
    sqlite3_finalize(st);
    fputs("</table>\n", f);
    if (!rows) fputs("<p>No searched parameters: the configuration ran as written.</p>\n", f);
    if (path && !cfg) {
        fputs("<p class=\"warn\">The refit config ", f);
        rp_esc(f, err);
        fputs("</p>\n", f);
    }
    cfg_free(cfg);
    free(path);
    /* polish: the best point again with some values scaled, kept only if its CV is better */
    st = rdb_query(db,
        "SELECT c.key, json_extract(c.value, '$[0]'), json_extract(c.value, '$[1]'), json_extract(p.json, '$.search_best'), "
        "json_extract(p.json, '$.polished'), json_extract(p.json, '$.used') "
        "FROM xp_records p, json_each(p.json, '$.changes') c WHERE p.run_id = ?1 AND p.kind = 'polish'", "i", r->id);
    int first = 1;
    char b1[32], b2[32], tail[160] = "";
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        if (first) {
            fprintf(f, "<p>Polish: the best point again with ");
        }
        fprintf(f, "%s<code>", first ? "" : ", ");
        rp_esc(f, (const char *)sqlite3_column_text(st, 0));
        fprintf(f, "</code> %s &rarr; %s", rp_fmt(sqlite3_column_double(st, 1), b1), rp_fmt(sqlite3_column_double(st, 2), b2));
        if (first) {
            double sb = sqlite3_column_double(st, 3), po = sqlite3_column_double(st, 4);
            int used = sqlite3_column_int(st, 5);
            first = 0;
            /* the CV figures are printed after the list; keep them */
            snprintf(tail, sizeof tail, ": CV %s &rarr; %s, %s.", rp_fmt(sb, b1), rp_fmt(po, b2),
                     used ? "kept" : "not kept (no better)");
        }
    }
    sqlite3_finalize(st);
    if (!first) fprintf(f, "%s</p>\n", tail);
    /* validation.final_top (final_top.c) */
    st = rdb_query(db,
        "SELECT json_extract(json, '$.k'), json_extract(json, '$.trials'), json_extract(json, '$.cv_average'), "
        "json_extract(json, '$.space'), json_extract(json, '$.metric') FROM xp_records WHERE run_id = ?1 AND kind = 'final_top'",
        "i", r->id);
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        char trials[512] = "", space[16] = "", metric[64] = "";
        rdb_col(st, 1, trials, sizeof trials);
        rdb_col(st, 3, space, sizeof space);
        rdb_col(st, 4, metric, sizeof metric);
        fprintf(f, "<p>The test part is the average of %d refits (<code>validation.final_top</code>, %s space): trials ",
                sqlite3_column_int(st, 0), strcmp(space, "log") ? "raw" : "log1p");
        rp_esc(f, trials);
        fprintf(f, ", best first; the average's out-of-fold CV ");
        rp_esc(f, metric);
        fprintf(f, " %s; record <code>final_top</code>.</p>\n", rp_fmt(sqlite3_column_double(st, 2), b1));
    }
    sqlite3_finalize(st);
    /* validation.refit_seeds (final_top.c): replicas of each final configuration */
    st = rdb_query(db,
        "SELECT json_extract(json, '$.seeds'), json_extract(json, '$.models'), "
        "json_extract(json, '$.replicas_identical') FROM xp_records WHERE run_id = ?1 AND kind = 'final' "
        "AND coalesce(json_extract(json, '$.seeds'), 1) > 1",
        "i", r->id);
    if (st && sqlite3_step(st) == SQLITE_ROW)
        fprintf(f, "<p>Each final configuration was refitted %d times, its random draws differing "
                "(<code>validation.refit_seeds</code>): %d models averaged%s; record <code>final</code>.</p>\n",
                sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
                sqlite3_column_int(st, 2) ? " &mdash; <strong>the replicas predicted identically</strong> (a seed "
                "fixed in the model's config, or a model that draws nothing at random)" : "");
    sqlite3_finalize(st);
    /* validation.calibrate: affine (calibrate.c) */
    st = rdb_query(db,
        "SELECT json_extract(json, '$.offset'), json_extract(json, '$.scale'), json_extract(json, '$.space'), "
        "json_extract(json, '$.metric'), json_extract(json, '$.cv_uncalibrated'), json_extract(json, '$.cv_cross_fitted'), "
        "coalesce(json_extract(json, '$.mode'), 'affine'), coalesce(json_extract(json, '$.applied'), 1) "
        "FROM xp_records WHERE run_id = ?1 AND kind = 'calibration'", "i", r->id);
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        char b3[32], b4[32], space[16] = "", metric[64] = "", mode[16] = "";
        rdb_col(st, 2, space, sizeof space);
        rdb_col(st, 3, metric, sizeof metric);
        rdb_col(st, 6, mode, sizeof mode);
        int applied = sqlite3_column_int(st, 7) != 0;   /* records before calibrate: auto have neither key */
        if (sqlite3_column_type(st, 1) == SQLITE_NULL) {   /* auto, no line fitted: the target has values < 0 */
            fprintf(f, "<p>Not calibrated (<code>validation.calibrate: auto</code>): no line in log1p space for a "
                       "target with negative values; record <code>calibration</code>.</p>\n");
            sqlite3_finalize(st);
            return;
        }
        fprintf(f, "<p>%s (<code>validation.calibrate: %s</code>): %s %s + %s &times; prediction "
                   "(%s space), fitted on the best configuration's out-of-fold predictions; cross-fitted CV ",
                applied ? "Calibrated" : "Not calibrated", strcmp(mode, "auto") ? "affine" : "auto",
                applied ? "test prediction =" : "the line", rp_fmt(sqlite3_column_double(st, 0), b1),
                rp_fmt(sqlite3_column_double(st, 1), b2), strcmp(space, "log") ? "raw" : "log1p");
        rp_esc(f, metric);
        fprintf(f, " %s &rarr; %s%s; record <code>calibration</code>.</p>\n", rp_fmt(sqlite3_column_double(st, 4), b3),
                rp_fmt(sqlite3_column_double(st, 5), b4), applied ? "" : ", not better: the test predictions are as the model made them");
    }
    sqlite3_finalize(st);
}

/* ------------------------------------------------------------------ validation and test */

static void scores_section(FILE *f, sqlite3 *db, const rrun *r, int h)
{
    fprintf(f, "<h%d>Grouped CV, random-split CV and the test part</h%d>\n", h + 1, h + 1);
    const char *labels[4] = { "grouped CV (best trial)", "grouped CV (polished)", "random-split CV", "test (scored once)" };
    double v[4] = { r->cv, r->polish, r->random, r->test };
    const char *cls[4] = { "bar", "bar", "bar-warn", "bar-test" };
    svg_plot p = { 0 };
    p.left = 150;
    p.y.categories = 4;
    p.y.labels = labels;
    svg_axis_fit(&p.x, v, 4, 0);
    p.x.lo = 0;
    char xl[96], tip[96], b1[32];
    snprintf(xl, sizeof xl, "%s (lower is better)", r->objective);
    if (r->maximize) snprintf(xl, sizeof xl, "%s (higher is better)", r->objective);
    rp_fig_open(f);
    svg_begin(&p, f, 520, 170, "validation and test scores", xl, NULL);
    for (int i = 0; i < 4; i++) {
        if (isnan(v[i])) continue;
        snprintf(tip, sizeof tip, "%s: %s", labels[i], svg_num(v[i], b1));
        svg_rect(&p, 0, i - 0.32, v[i], i + 0.32, cls[i], tip);
        svg_text(&p, svg_px(&p, v[i]) + 4, svg_py(&p, i) + 4, "start", "val", svg_num(v[i], b1));
    }
    svg_end(&p);
    /* all test metrics, overall */
    fputs("<table class=\"side\"><tr><th>test metric</th><th>value</th></tr>\n", f);
    sqlite3_stmt *st = rdb_query(db,
        "SELECT metric, value FROM xp_metrics WHERE run_id = ?1 AND split = 'test' AND trial_id IS NULL AND source IS NULL "
        "AND fold IS NULL ORDER BY id", "i", r->id);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        fputs("<tr><td>", f);
        rp_esc(f, (const char *)sqlite3_column_text(st, 0));
        fprintf(f, "</td><td>%s</td></tr>\n", rp_fmt(sqlite3_column_double(st, 1), b1));
    }
    sqlite3_finalize(st);
    fputs("</table>\n", f);
    double grouped = isnan(r->polish) ? r->cv : r->polish;
    char cap[512], b2[32], b3[32];
    if (!isnan(r->random) && !isnan(grouped))
        snprintf(cap, sizeof cap, "Leakage gap: a random split (the same item on both sides) claims %s where the grouped "
                 "split measures %s (%+.0f%%); the test part, never seen by the search, scored %s. Table xp_metrics, "
                 "splits cv_grouped, cv_polish, cv_random, test.", svg_num(r->random, b1), svg_num(grouped, b2),
                 100 * (r->random - grouped) / grouped, svg_num(r->test, b3));
    else
        snprintf(cap, sizeof cap, "Grouped CV against the test part (no random-split check recorded for this run). "
                 "Table xp_metrics.");
    rp_fig_close(f, cap);
}

/* Per-source test score and, when the run learned them, the source weights. */
static void sources_section(FILE *f, sqlite3 *db, const rrun *r, int h)
{
    enum { MAX_SRC = 64 };
    double score[MAX_SRC], weight[MAX_SRC], mse[MAX_SRC];
    long long rows[MAX_SRC];
    char lab[MAX_SRC][16];
    const char *labels[MAX_SRC];
    int max_src = -1;
    for (int s = 0; s < MAX_SRC; s++) score[s] = weight[s] = mse[s] = NAN, rows[s] = 0;
    sqlite3_stmt *st = rdb_query(db,
        "SELECT source, value FROM xp_metrics WHERE run_id = ?1 AND split = 'test' AND trial_id IS NULL AND source IS NOT NULL "
        "AND metric = ?2 ORDER BY source", "it", r->id, r->objective);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        int s = sqlite3_column_int(st, 0);
        if (s < 0 || s >= MAX_SRC) continue;
        score[s] = sqlite3_column_double(st, 1);
        if (s > max_src) max_src = s;
    }
    sqlite3_finalize(st);
    st = rdb_query(db,
        "SELECT json_extract(s.value, '$.source'), json_extract(s.value, '$.weight'), json_extract(s.value, '$.oof_mse'), "
        "json_extract(s.value, '$.rows') FROM xp_records w, json_each(w.json, '$.sources') s "
        "WHERE w.run_id = ?1 AND w.kind = 'source_weights'", "i", r->id);
    int weights = 0;
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        int s = sqlite3_column_int(st, 0);
        if (s < 0 || s >= MAX_SRC) continue;
        weight[s] = sqlite3_column_double(st, 1);
        mse[s] = sqlite3_column_double(st, 2);
        rows[s] = sqlite3_column_int64(st, 3);
        weights = 1;
        if (s > max_src) max_src = s;
    }
    sqlite3_finalize(st);
    if (max_src < 0) return;
    fprintf(f, "<h%d>Per source</h%d>\n", h + 1, h + 1);
    int n = max_src + 1;
    for (int s = 0; s < n; s++) {
        snprintf(lab[s], sizeof lab[s], "%d", s);
        labels[s] = lab[s];
    }
    char tip[160], b1[32], b2[32], xl[96];
    rp_fig_open(f);
    svg_plot p = { 0 };
    p.x.categories = n;
    p.x.labels = labels;
    svg_axis_fit(&p.y, score, (size_t)n, 0);
    p.y.lo = 0;
    snprintf(xl, sizeof xl, "test %s", r->objective);
    svg_begin(&p, f, 420, 230, "test score per source", "source", xl);
    for (int s = 0; s < n; s++) {
        if (isnan(score[s])) continue;
        snprintf(tip, sizeof tip, "source %d: test %s %s", s, r->objective, svg_num(score[s], b1));
        svg_rect(&p, s - 0.38, 0, s + 0.38, score[s], "bar", tip);
    }
    if (!isnan(r->test)) svg_line(&p, -0.5, r->test, n - 0.5, r->test, "ref");
    svg_end(&p);
    if (weights) {
        svg_plot q = { 0 };
        q.x.categories = n;
        q.x.labels = labels;
        svg_axis_fit(&q.y, weight, (size_t)n, 0);
        q.y.lo = 0;
        svg_begin(&q, f, 420, 230, "learned source weights", "source", "sample weight");
        for (int s = 0; s < n; s++) {
            if (isnan(weight[s])) continue;
            snprintf(tip, sizeof tip, "source %d: weight %s (out-of-fold squared log error %s, %lld rows)", s,
                     svg_num(weight[s], b1), svg_num(mse[s], b2), rows[s]);
            svg_rect(&q, s - 0.38, 0, s + 0.38, weight[s], "bar-alt", tip);
        }
        svg_line(&q, -0.5, 1, n - 0.5, 1, "ref");
        svg_end(&q);
    }
    rp_fig_close(f, weights ? "Left: the test score per source (line: overall). Right: the sample weight each source "
                              "got from its out-of-fold residuals (record source_weights; 1 = average noise) — noisy "
                              "sources are down-weighted, and their test error stays the highest."
                            : "The test score per source (line: overall; table xp_metrics, split test by source). "
                              "This run learned no source weights.");
}

/* ------------------------------------------------------------------ predictions */

typedef struct pred_row {
    double y, p;
    int source;                  /* -1: not recorded */
} pred_row;

static int cmp_dbl(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

static double qtile(const double *s, size_t n, double q)
{
    if (!n) return NAN;
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    return i + 1 < n ? s[i] + (pos - (double)i) * (s[i + 1] - s[i]) : s[n - 1];
}

/* Reads row,target,prediction[,source]. Returns the rows (caller frees) or NULL with why. */
static pred_row *read_predictions(const char *path, size_t *n, int *has_source, char *why, size_t wn)
{
    FILE *fp = fopen(path, "r");
    *n = 0;
    *has_source = 0;
    if (!fp) { snprintf(why, wn, "cannot open %s", path); return NULL; }
    char line[512];
    if (!fgets(line, sizeof line, fp) || strncmp(line, "row,target,prediction", 21)) {
        snprintf(why, wn, "%s: not a predictions file (header row,target,prediction)", path);
        fclose(fp);
        return NULL;
    }
    *has_source = strstr(line, ",source") != NULL;
    size_t cap = 1024;
    pred_row *v = malloc(cap * sizeof *v);
    while (v && fgets(line, sizeof line, fp)) {
        char *e;
        strtoll(line, &e, 10);
        if (*e != ',') continue;
        double y = strtod(e + 1, &e);
        if (*e != ',') continue;
        char *s = e + 1;
        double p = strtod(s, &e);
        if (e == s) continue;   /* no prediction for this row */
        int src = -1;
        if (*has_source && *e == ',' && e[1] >= '0' && e[1] <= '9') src = atoi(e + 1);
        if (*n == cap) {
            pred_row *nv = realloc(v, (cap *= 2) * sizeof *nv);
            if (!nv) { free(v); v = NULL; break; }
            v = nv;
        }
        v[(*n)++] = (pred_row){ y, p, src };
    }
    fclose(fp);
    if (!v) snprintf(why, wn, "out of memory");
    return v;
}

static void predictions_section(FILE *f, sqlite3 *db, const rrun *r, int h)
{
    char *path = rdb_text(db, "SELECT path FROM xp_artifacts WHERE run_id = ?1 AND kind = 'test_predictions' ORDER BY id DESC LIMIT 1",
                          "i", r->id);
    char *sha = rdb_text(db, "SELECT sha256 FROM xp_artifacts WHERE run_id = ?1 AND kind = 'test_predictions' ORDER BY id DESC LIMIT 1",
                         "i", r->id);
    fprintf(f, "<h%d>Test predictions</h%d>\n", h + 1, h + 1);
    char hex[65] = "", why[512] = "";
    size_t n = 0;
    int has_source = 0;
    pred_row *v = NULL;
    if (!path) snprintf(why, sizeof why, "the run recorded no test_predictions artifact");
    else if (sha256_file_hex(path, hex)) snprintf(why, sizeof why, "%s: cannot read (moved or deleted since the run)", path);
    else if (sha && strcmp(hex, sha)) snprintf(why, sizeof why, "%s changed since the run wrote it (sha256 differs): not drawn", path);
    else v = read_predictions(path, &n, &has_source, why, sizeof why);
    if (!v || !n) {
        fputs("<p class=\"warn\">", f);
        rp_esc(f, why[0] ? why : "no predictions");
        fputs("</p>\n", f);
        free(v); free(path); free(sha);
        return;
    }
    double *xs = malloc(n * sizeof *xs), *ys = malloc(n * sizeof *ys);
    if (!xs || !ys) { free(xs); free(ys); free(v); free(path); free(sha); return; }
    for (size_t i = 0; i < n; i++) { xs[i] = v[i].y; ys[i] = v[i].p; }
    rp_fig_open(f);
    svg_plot p = { 0 };
    svg_axis_fit(&p.x, xs, n, 1);
    svg_axis_fit(&p.y, ys, n, 1);
    svg_axis_include(&p.x, p.y.lo); svg_axis_include(&p.x, p.y.hi);   /* same range both ways: y = x is the diagonal */
    p.y.lo = p.x.lo;
    p.y.hi = p.x.hi;
    svg_begin(&p, f, 400, 360, "predicted vs actual", "actual target (log scale)", "predicted (log scale)");
    svg_line(&p, p.x.lo, p.x.lo, p.x.hi, p.x.hi, "ref");
    size_t step = n > MAX_POINTS ? (n + MAX_POINTS - 1) / MAX_POINTS : 1;
    for (size_t i = 0; i < n; i += step) svg_point(&p, xs[i], ys[i], 1.6, "dot-s", NULL);
    svg_end(&p);
    /* residuals in log space per source: what the RMSLE sums */
    int max_src = -1;
    for (size_t i = 0; i < n; i++) if (v[i].source > max_src) max_src = v[i].source;
    if (max_src >= 0 && max_src < 256) {
        int ns = max_src + 1;
        double *q = malloc((size_t)ns * 5 * sizeof *q);
        size_t *cnt = calloc((size_t)ns, sizeof *cnt);
        char (*lab)[16] = malloc((size_t)ns * sizeof *lab);
        const char **labels = malloc((size_t)ns * sizeof *labels);
        if (q && cnt && lab && labels) {
            double lo = INFINITY, hi = -INFINITY;
            for (int s = 0; s < ns; s++) {
                size_t m = 0;
                for (size_t i = 0; i < n; i++)
                    if (v[i].source == s) xs[m++] = log1p(fmax(v[i].p, 0)) - log1p(fmax(v[i].y, 0));
                qsort(xs, m, sizeof *xs, cmp_dbl);
                cnt[s] = m;
                const double at[5] = { 0.05, 0.25, 0.5, 0.75, 0.95 };
                for (int k = 0; k < 5; k++) q[s * 5 + k] = qtile(xs, m, at[k]);
                if (m && q[s * 5] < lo) lo = q[s * 5];
                if (m && q[s * 5 + 4] > hi) hi = q[s * 5 + 4];
                snprintf(lab[s], sizeof lab[s], "%d", s);
                labels[s] = lab[s];
            }
            svg_plot b = { 0 };
            b.x.categories = ns;
            b.x.labels = labels;
            double lim[3] = { lo, hi, 0 };
            svg_axis_fit(&b.y, lim, 3, 0);
            svg_begin(&b, f, 440, 360, "residuals by source", "source", "log1p(predicted) - log1p(actual)");
            svg_line(&b, -0.5, 0, ns - 0.5, 0, "ref");
            char tip[200], b1[32], b2[32], b3[32];
            for (int s = 0; s < ns; s++) {
                if (!cnt[s]) continue;
                const double *z = q + s * 5;
                snprintf(tip, sizeof tip, "source %d: %zu rows, median %s, middle half %s to %s", s, cnt[s],
                         svg_num(z[2], b1), svg_num(z[1], b2), svg_num(z[3], b3));
                svg_line(&b, s, z[0], s, z[4], "whisker");
                svg_rect(&b, s - 0.3, z[1], s + 0.3, z[3], "box", tip);
                svg_line(&b, s - 0.3, z[2], s + 0.3, z[2], "median");
            }
            svg_end(&b);
        }
        free(q); free(cnt); free(lab); free(labels);
    }
    char cap[1024];
    snprintf(cap, sizeof cap, "Left: the %zu test rows' predictions against their targets, log-log%s (line: perfect). "
             "%s From the run's test_predictions artifact (sha256 checked).", n,
             step > 1 ? ", every k-th row drawn" : "",
             max_src >= 0 ? "Right: residuals in log space per source — box: middle half, line: median, whiskers: 5% to 95%."
                          : has_source ? "" : "Residuals by source need the artifact's source column (runs after this report was added write it).");
    rp_fig_close(f, cap);
    free(xs); free(ys); free(v); free(path); free(sha);
}

/* ------------------------------------------------------------------ the section */

void rp_study(FILE *f, sqlite3 *db, const rrun *r, int h)
{
    char b1[32], b2[32];
    fprintf(f, "<section class=\"study\" id=\"study-%lld\">\n<h%d>", r->study, h);
    rp_esc(f, r->name);
    fprintf(f, " <span class=\"sub\">run %lld</span></h%d>\n", r->id, h);
    sqlite3_stmt *st = rdb_query(db,
        "SELECT started_at, wall_seconds, cpu_seconds, git_rev, config_sha256, seed, command, host FROM xp_runs WHERE id = ?1",
        "i", r->id);
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        char buf[4096];
        fputs("<p class=\"facts\">Started ", f);
        rp_esc(f, rdb_col(st, 0, buf, sizeof buf));
        fprintf(f, " &middot; wall %s s &middot; CPU %s s &middot; model %s", rp_fmt(sqlite3_column_double(st, 1), b1),
                rp_fmt(sqlite3_column_double(st, 2), b2), r->model);
        fputs(" &middot; inputs: table", f);
        if (r->encoders[0]) { fputs(" + ", f); rp_esc(f, r->encoders); }
        fputs(" &middot; git <code>", f);
        rp_esc(f, rdb_col(st, 3, buf, 11));
        fputs("</code> &middot; config sha256 <code>", f);
        rp_esc(f, rdb_col(st, 4, buf, 13));
        fprintf(f, "</code> &middot; seed %lld<br><code class=\"cmd\">", (long long)sqlite3_column_int64(st, 5));
        rp_esc(f, rdb_col(st, 6, buf, sizeof buf));
        fputs("</code></p>\n", f);
    }
    sqlite3_finalize(st);
    search_section(f, db, r, h);
    chosen_section(f, db, r, h);
    scores_section(f, db, r, h);
    sources_section(f, db, r, h);
    predictions_section(f, db, r, h);
    fputs("</section>\n", f);
}
