/* tools/gen_demo/report.c — runs the oracles over the rows and writes ORACLE.json (the noise
 * floor on the fixed held-out item split) and TRUTH.csv (per-row hidden truth, and oracle
 * predictions for the held-out rows; not part of the challenge table).
 *
 *     gd_oracle_write(&opt, items, n_items, rows, n_rows, n_clipped, redraws, n_images, n_desc);
 *
 * Metrics and the predictor each one uses (optimal for that metric under the model):
 *   rmse, r2          raw target, posterior mean E[y]
 *   mae               raw target, posterior median
 *   log_rmse, log_r2  ln(target), E[ln y]
 *   log_mae           ln(target), ln(median)
 *   rmsle             ln(1 + target), exp(E[ln(1 + y)]) - 1
 * "clean" restricts to rows from clean sources; R^2 is computed within each subset.
 */
#include "gd.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const gd_item *items;
    const gd_row *rows;
    gd_pred *pred; /* [n_rows][GD_NOR] */
    long from, to;
} job_t;

static void *work(void *arg)
{
    job_t *j = arg;
    for (long k = j->from; k < j->to; k++)
        for (int v = 0; v < GD_NOR && j->items[j->rows[k].item].holdout; v++)
            gd_oracle_predict(&j->items[j->rows[k].item], &j->rows[k], v, &j->pred[k * GD_NOR + v]);
    gd_oracle_thread_done();
    return NULL;
}

typedef struct { double n, sy, syy, sse, sae, ly, lyy, lsse, lsae, l1se; } acc_t;

static void acc_add(acc_t *a, double y, const gd_pred *p)
{
    double ly = log(y);
    a->n++;
    a->sy += y;
    a->syy += y * y;
    a->sse += (y - p->mean) * (y - p->mean);
    a->sae += fabs(y - p->median);
    a->ly += ly;
    a->lyy += ly * ly;
    a->lsse += (ly - p->logmean) * (ly - p->logmean);
    a->lsae += fabs(ly - log(p->median));
    double d = log1p(y) - p->log1p;
    a->l1se += d * d;
}

static void acc_json(FILE *f, const acc_t *a)
{
    double n = a->n > 0 ? a->n : 1;
    double sst = a->syy - a->sy * a->sy / n, lsst = a->lyy - a->ly * a->ly / n;
    fprintf(f,
            "{\"n\": %.0f, \"rmse\": %.6f, \"mae\": %.6f, \"r2\": %.6f, \"rmsle\": %.6f, "
            "\"log_rmse\": %.6f, \"log_mae\": %.6f, \"log_r2\": %.6f}",
            a->n, sqrt(a->sse / n), a->sae / n, sst > 0 ? 1 - a->sse / sst : 0, sqrt(a->l1se / n),
            sqrt(a->lsse / n), a->lsae / n, lsst > 0 ? 1 - a->lsse / lsst : 0);
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static double median_ll(long long *v, long n)
{
    if (n == 0) return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_ll);
    return n % 2 ? (double)v[n / 2] : 0.5 * ((double)v[n / 2 - 1] + (double)v[n / 2]);
}

static void write_truth(const char *path, const gd_item *items, const gd_row *rows, long n_rows,
                        const gd_pred *pred)
{
    FILE *f = fopen(path, "wb");
    if (!f) gd_die("cannot write %s: %s", path, strerror(errno));
    static char fbuf[1 << 16];
    setvbuf(f, fbuf, _IOFBF, sizeof fbuf);
    fprintf(f, "row,item_id,holdout,duplicate,source_id,component,material,size,finish,grade,q,"
               "quantity_true,quantity_known,rush,description_shown,has_size_word,"
               "has_finish_word,has_grade_word,image_kind,mu_log,eps,y_continuous,target");
    for (int v = 0; v < GD_NOR; v++)
        fprintf(f, ",%s_mean,%s_median,%s_logmean,%s_log1p,%s_logvar", gd_oracle_name[v],
                gd_oracle_name[v], gd_oracle_name[v], gd_oracle_name[v], gd_oracle_name[v]);
    fputc('\n', f);
    static const char *kinds[] = {"none", "jpg", "jpeg", "png_rgb", "png_rgba", "png_grey"};
    for (long k = 0; k < n_rows; k++) {
        const gd_row *r = &rows[k];
        const gd_item *it = &items[r->item];
        fprintf(f, "%ld,%d,%d,%d,%d,%s,%s,%s,%s,%s,%.9g,%.0f,%d,%d,%d,%d,%d,%d,%s,%.9g,%.9g,%.9g,%lld",
                k, r->item, it->holdout, r->dup, r->src, gd_m.value_name[GD_P_C][it->prop[GD_P_C]],
                gd_m.value_name[GD_P_M][it->prop[GD_P_M]], gd_m.value_name[GD_P_S][it->prop[GD_P_S]],
                gd_m.value_name[GD_P_F][it->prop[GD_P_F]], gd_m.value_name[GD_P_G][it->prop[GD_P_G]],
                it->q, r->qty_true, r->qty_known, r->rush, r->desc_shown, it->has_size_word,
                it->has_finish_word, it->has_grade_word, kinds[it->img_kind], r->mu_log, r->eps, r->y,
                r->target);
        for (int v = 0; v < GD_NOR; v++) {
            const gd_pred *p = &pred[k * GD_NOR + v];
            if (it->holdout)
                fprintf(f, ",%.9g,%.9g,%.9g,%.9g,%.9g", p->mean, p->median, p->logmean, p->log1p,
                        p->logvar);
            else fputs(",,,,,", f);
        }
        fputc('\n', f);
    }
    if (fflush(f) != 0 || ferror(f)) gd_die("write error on %s: %s", path, strerror(errno));
    fclose(f);
}

static double noise_sd(const gd_noise *nz)
{
    double m = 0, m2 = 0;
    for (int j = 0; j < nz->ncomp; j++) {
        m += nz->w[j] * nz->mu[j];
        m2 += nz->w[j] * (nz->sd[j] * nz->sd[j] + nz->mu[j] * nz->mu[j]);
    }
    return sqrt(m2 - m * m);
}

static void json_noise(FILE *f, const gd_noise *nz)
{
    fputc('[', f);
    for (int j = 0; j < nz->ncomp; j++)
        fprintf(f, "%s{\"weight\": %g, \"mean\": %g, \"sd\": %g}", j ? ", " : "", nz->w[j], nz->mu[j],
                nz->sd[j]);
    fputc(']', f);
}

static void json_array(FILE *f, const double *v, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) fprintf(f, "%s%.17g", i ? ", " : "", v[i]);
    fputc(']', f);
}

/* Everything the table oracle uses, so that an independent reader can recompute it. */
static void json_model_details(FILE *f)
{
    static const char *kinds[] = {"gauss", "round", "cat", "bin"};
    static const char *xforms[] = {"lin", "exp", "logit"};
    fprintf(f, "    \"prior_by_source\": {");
    for (int k = 0; k < GD_NPROP; k++) {
        fprintf(f, "%s\n      \"%s\": [", k ? "," : "", gd_m.prop_name[k]);
        for (int s = 0; s < GD_NSRC; s++) {
            fprintf(f, "%s", s ? ", " : "");
            json_array(f, gd_m.src_prior[s][k], gd_m.card[k]);
        }
        fputc(']', f);
    }
    fprintf(f, "\n    },\n    \"quantity\": {\"values\": ");
    json_array(f, gd_m.qty_value, GD_NQV);
    fprintf(f, ",\n      \"pmf_by_source\": [");
    for (int s = 0; s < GD_NSRC; s++) {
        fprintf(f, "%s", s ? ",\n        " : "");
        json_array(f, gd_m.qty_pmf[s], GD_NQV);
    }
    fprintf(f, "]},\n    \"q_prior\": \"N(0, 1)\",\n");
    fprintf(f, "    \"proxies_about\": \"item-level table cells; latent z = mean[value] + N(0, sd^2) "
               "(for q: z = mean[0] * q + N(0, sd^2)); gauss: x = off + scale * t(z), round: x = "
               "round(off + scale * t(z)), t = identity | exp | logistic; cat: codes[code_of[value]] "
               "w.p. r else another code uniformly; bin: codes[1] w.p. p1[value] else codes[0]; "
               "missing: empty cell, or miss_code\",\n    \"proxies\": [");
    for (int i = 0; i < gd_m.n_proxy; i++) {
        const gd_proxy *p = &gd_m.proxy[i];
        int n = p->group == GD_GRP_Q ? 1 : gd_m.card[p->group];
        fprintf(f, "%s\n      {\"column\": \"%s\", \"property\": \"%s\", \"kind\": \"%s\", "
                   "\"transform\": \"%s\", \"off\": %.17g, \"scale\": %.17g, \"sd\": %.17g, ",
                i ? "," : "", gd_m.col_name[p->col], p->group == GD_GRP_Q ? "q" : gd_m.prop_name[p->group],
                kinds[p->kind], xforms[p->xform], p->off, p->scale, p->sd);
        fprintf(f, "\"mean\": ");
        json_array(f, p->mean, n);
        if (isnan(p->miss_code)) fprintf(f, ", \"miss_code\": null");
        else fprintf(f, ", \"miss_code\": %g", p->miss_code);
        if (p->kind == GD_PK_CAT || p->kind == GD_PK_BIN) {
            fprintf(f, ", \"codes\": ");
            json_array(f, p->codes, p->ncode);
        }
        if (p->kind == GD_PK_CAT) {
            fprintf(f, ", \"r\": %g, \"code_of\": [", p->r);
            for (int v = 0; v < n; v++) fprintf(f, "%s%d", v ? ", " : "", p->code_of[v]);
            fputc(']', f);
        }
        if (p->kind == GD_PK_BIN) {
            fprintf(f, ", \"p1\": ");
            json_array(f, p->p1, n);
        }
        fputc('}', f);
    }
    fprintf(f, "\n    ]\n");
}

int gd_oracle_write(const gd_options *o, const gd_item *items, long n_items, const gd_row *rows,
                    long n_rows, long n_clipped, long redraws, long n_images, long n_desc_distinct)
{
    gd_pred *pred = calloc((size_t)n_rows * GD_NOR, sizeof *pred);
    if (!pred) gd_die("out of memory");
    int nt = o->threads < 1 ? 1 : o->threads;
    pthread_t th[64];
    job_t jobs[64];
    for (int t = 0; t < nt; t++) {
        jobs[t] = (job_t){items, rows, pred, n_rows * t / nt, n_rows * (t + 1) / nt};
        if (pthread_create(&th[t], NULL, work, &jobs[t]) != 0) gd_die("cannot start a thread");
    }
    for (int t = 0; t < nt; t++) pthread_join(th[t], NULL);

    acc_t acc[GD_NOR][2];
    memset(acc, 0, sizeof acc);
    long hold_rows = 0, hold_clean = 0, qty_ph = 0, desc_missing = 0;
    long long *tv = malloc((size_t)n_rows * sizeof *tv);
    if (!tv) gd_die("out of memory");
    double sy = 0, syy = 0;
    long long tmin = rows[0].target, tmax = rows[0].target;
    for (long k = 0; k < n_rows; k++) {
        const gd_row *r = &rows[k];
        tv[k] = r->target;
        sy += (double)r->target;
        syy += (double)r->target * (double)r->target;
        tmin = r->target < tmin ? r->target : tmin;
        tmax = r->target > tmax ? r->target : tmax;
        qty_ph += !r->qty_known;
        desc_missing += !r->desc_shown;
        if (!items[r->item].holdout) continue;
        int clean = gd_m.src[r->src].clean;
        hold_rows++;
        hold_clean += clean;
        for (int v = 0; v < GD_NOR; v++) {
            acc_add(&acc[v][0], (double)r->target, &pred[k * GD_NOR + v]);
            if (clean) acc_add(&acc[v][1], (double)r->target, &pred[k * GD_NOR + v]);
        }
    }
    double tmean = sy / (double)n_rows, tsd = sqrt(syy / (double)n_rows - tmean * tmean);
    double tmed = median_ll(tv, n_rows);
    long dups = gd_csv_count_duplicates(rows, n_rows);

    char path[4096];
    snprintf(path, sizeof path, "%s/TRUTH.csv", o->out);
    write_truth(path, items, rows, n_rows, pred);

    snprintf(path, sizeof path, "%s/ORACLE.json", o->out);
    FILE *f = fopen(path, "wb");
    if (!f) gd_die("cannot write %s: %s", path, strerror(errno));
    fprintf(f, "{\n  \"generator\": \"gen_demo\",\n  \"format_version\": 1,\n");
    fprintf(f, "  \"seed\": %llu,\n", (unsigned long long)o->seed);
    fprintf(f,
            "  \"options\": {\"rows\": %ld, \"items\": %ld, \"min_px\": %d, \"max_px\": %d, "
            "\"small\": %s, \"images\": %s, \"holdout_fraction\": %g},\n",
            o->rows, o->items, o->min_px, o->max_px, o->small ? "true" : "false",
            o->no_images ? "false" : "true", o->holdout_frac);
    long hold_items = 0, no_file = 0;
    for (long i = 0; i < n_items; i++) {
        hold_items += items[i].holdout;
        no_file += items[i].n_desc_rows > 0 && items[i].img_kind == GD_IMG_NONE;
    }
    fprintf(f,
            "  \"counts\": {\"rows\": %ld, \"columns\": %d, \"items\": %ld, "
            "\"distinct_descriptions\": %ld, \"images\": %ld, \"descriptions_without_image\": %ld, "
            "\"duplicate_rows\": %ld, \"quantity_placeholder_rows\": %ld, "
            "\"description_missing_rows\": %ld, \"clipped_targets\": %ld, \"item_redraws\": %ld, "
            "\"holdout_items\": %ld, \"holdout_rows\": %ld, \"holdout_rows_clean\": %ld},\n",
            n_rows, GD_NCOL, n_items, n_desc_distinct, n_images, no_file, dups, qty_ph,
            desc_missing, n_clipped, redraws, hold_items, hold_rows, hold_clean);
    fprintf(f,
            "  \"target\": {\"min\": %lld, \"max\": %lld, \"median\": %.1f, \"mean\": %.3f, "
            "\"std\": %.3f},\n",
            tmin, tmax, tmed, tmean, tsd);

    fprintf(f, "  \"model\": {\n");
    fprintf(f,
            "    \"formula\": \"ln(y) = c0 + bias[source] + rush_effect*feature_8 + "
            "alpha.component[c] + alpha.material[m] + alpha.size[s] + alpha.finish[f] + "
            "alpha.grade[g] + b_q*q - beta_quantity*ln(quantity_true) + eps, eps ~ "
            "sources[source].noise (Gaussian mixture); target = clip(round(y), 10, 2000000); "
            "q ~ N(0,1); properties ~ prior * source preference (component, size)\",\n");
    fprintf(f, "    \"c0\": %g, \"b_q\": %g, \"beta_quantity\": %g, \"rush_effect\": %g,\n", gd_m.c0,
            gd_m.b_q, gd_m.beta_qty, gd_m.rush_effect);
    fprintf(f, "    \"alpha\": {");
    for (int k = 0; k < GD_NPROP; k++) {
        fprintf(f, "%s\n      \"%s\": {", k ? "," : "", gd_m.prop_name[k]);
        for (int v = 0; v < gd_m.card[k]; v++)
            fprintf(f, "%s\"%s\": %g", v ? ", " : "", gd_m.value_name[k][v], gd_m.alpha[k][v]);
        fputc('}', f);
    }
    fprintf(f, "\n    },\n    \"visible_in\": {\"table\": \"noisy proxies of component, "
               "material, size, finish and q (never grade)\", \"text\": \"component, material; "
               "size/finish/grade when their word is present\", \"image\": \"component (shape), "
               "size (apparent size, detail), finish (texture), material (colour)\"},\n");
    json_model_details(f);
    fprintf(f, "  },\n");

    fprintf(f, "  \"sources\": [\n");
    for (int s = 0; s < GD_NSRC; s++) {
        long n = 0, ph = 0;
        double sum = 0;
        for (long k = 0; k < n_rows; k++)
            if (rows[k].src == s) {
                n++;
                ph += !rows[k].qty_known;
                sum += (double)rows[k].target;
            }
        const gd_source *src = &gd_m.src[s];
        fprintf(f,
                "    {\"id\": %d, \"rows\": %ld, \"clean\": %s, \"bias\": %g, \"noise\": ", s, n,
                src->clean ? "true" : "false", src->bias);
        json_noise(f, &src->noise);
        fprintf(f,
                ", \"noise_sd_log\": %.6f, \"tilt\": %g, \"quantity_placeholder_rate\": %g, "
                "\"quantity_placeholder_share\": %.4f, \"mean_target\": %.1f}%s\n",
                noise_sd(&src->noise), src->tilt, src->qty_unknown,
                n ? (double)ph / (double)n : 0, n ? sum / (double)n : 0, s + 1 < GD_NSRC ? "," : "");
    }
    fprintf(f, "  ],\n  \"clean_sources\": [");
    for (int s = 0, first = 1; s < GD_NSRC; s++)
        if (gd_m.src[s].clean) {
            fprintf(f, "%s%d", first ? "" : ", ", s);
            first = 0;
        }
    fprintf(f, "],\n");

    fprintf(f,
            "  \"metrics_predictors\": {\"rmse\": \"posterior mean E[y]\", \"r2\": \"posterior "
            "mean E[y]\", \"mae\": \"posterior median\", \"log_rmse\": \"E[ln y]\", \"log_r2\": "
            "\"E[ln y]\", \"log_mae\": \"ln(posterior median)\", \"rmsle\": \"exp(E[ln(1+y)]) - "
            "1\"},\n");
    fprintf(f, "  \"oracles\": {\n");
    for (int v = 0; v < GD_NOR; v++) {
        fprintf(f, "    \"%s\": {\"about\": \"%s\",\n      \"all\": ", gd_oracle_name[v],
                gd_oracle_about[v]);
        acc_json(f, &acc[v][0]);
        fprintf(f, ",\n      \"clean\": ");
        acc_json(f, &acc[v][1]);
        fprintf(f, "}%s\n", v + 1 < GD_NOR ? "," : "");
    }
    fprintf(f, "  },\n");
    fprintf(f, "  \"holdout\": {\"fraction\": %g, \"rule\": \"items split; every row of a held-out "
               "item is held out (TRUTH.csv column holdout)\", \"item_ids\": [",
            o->holdout_frac);
    for (long i = 0, first = 1; i < n_items; i++)
        if (items[i].holdout) {
            fprintf(f, "%s%ld", first ? "" : ",", i);
            first = 0;
        }
    fprintf(f, "]}\n}\n");
    if (fflush(f) != 0 || ferror(f)) gd_die("write error on %s: %s", path, strerror(errno));
    fclose(f);

    fprintf(stderr, "gen_demo: oracle on %ld held-out rows (%ld clean):\n", hold_rows, hold_clean);
    for (int v = 0; v < GD_NOR; v++) {
        for (int c = 0; c < 2; c++) {
            const acc_t *a = &acc[v][c];
            double n = a->n > 0 ? a->n : 1;
            double sst = a->syy - a->sy * a->sy / n, lsst = a->lyy - a->ly * a->ly / n;
            fprintf(stderr, "  %-17s %-5s R2 %.4f  log R2 %.4f  RMSE %.0f  RMSLE %.4f\n",
                    gd_oracle_name[v], c ? "clean" : "all", 1 - a->sse / sst, 1 - a->lsse / lsst,
                    sqrt(a->sse / n), sqrt(a->l1se / n));
        }
    }
    free(tv);
    free(pred);
    return 0;
}
