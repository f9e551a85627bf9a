/* core/report_page.h — what the HTML report's files share (report_html.c writes the page,
 * report_study.c one study's section): the reported runs and small HTML helpers.
 * Internal to the report; nothing else includes it.
 */
#ifndef XP_CORE_REPORT_PAGE_H
#define XP_CORE_REPORT_PAGE_H

#include <sqlite3.h>
#include <stdio.h>

#include "config.h"

/* One study's latest complete run, with what the page needs about it again and again. */
typedef struct rrun {
    long long id, study;
    char name[128];
    char objective[64];          /* the metric the search minimised or maximised */
    int maximize;
    xp_cfg *cfg;                 /* the run's resolved config (NULL if it does not parse) */
    int blend;                   /* a blend of member runs (blend record) */
    int text, image;             /* encoders of each kind in its pipeline (or its members') */
    char encoders[256];          /* "text_glove, image_mobilenet" or "" */
    char model[64];              /* model plugin, or "blend" */
    double cv, polish, random, test, r2;   /* NaN when not recorded */
} rrun;

/* Formats v for a table cell (4 significant digits, "–" for NaN). */
const char *rp_fmt(double v, char buf[32]);
/* Writes s escaped for HTML. */
void rp_esc(FILE *f, const char *s);
/* <figure> wrappers so every chart has a caption that says where its numbers come from. */
void rp_fig_open(FILE *f);
void rp_fig_close(FILE *f, const char *caption);

/* Study section: search, chosen configuration, CV vs random split vs test, per-source scores
 * and weights, predicted vs actual, residuals by source. `h` is the heading level (2 or 3). */
void rp_study(FILE *f, sqlite3 *db, const rrun *r, int h);

#endif
