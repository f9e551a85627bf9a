/* tools/gen_demo/model.c — the fixed hidden model behind the demo data.
 *
 *     gd_model_init();
 *     double a = gd_m.alpha[GD_P_C][c];   // log-price effect of component type c
 *
 * Everything here is a constant of the generator, never of the seed: the seed only draws
 * items and rows from this model, so the Bayes oracle (oracle.c) can use the very same
 * numbers. README.md explains each block; the column list mirrors
 * /work/shared/docs/challenge-data.md (80 columns, same order, same quirks).
 */
#include "gd.h"
#include "vocab.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

gd_model gd_m;

/* ---- properties and their log-price effects ---- */
const gd_component gd_components[GD_NC] = {
    {"Bolt", 0},           {"Bracket", 0},          {"Hinge", 0},
    {"Strut", 0},          {"Panel", 0},            {"Heat-Shield Tile", 0},
    {"Gear", 1},           {"Bearing", 1},          {"Spring", 0},
    {"Valve", 1},          {"Propellant Tank", 1}, {"Thruster Nozzle", 1},
    {"Pressure Regulator", 1}, {"Antenna Dish", 2}, {"Solar Cell", 2},
    {"Connector", 2},     {"Gyroscope", 2},       {"Reaction Wheel", 2},
};
static const double alpha_c[GD_NC] = {-2.0, -0.9, -0.7, -0.5, 0.1, -0.2, -0.6, -0.4, -1.3,
                                      0.2,  1.0,  1.3,  0.6,  0.9, 0.0,  -0.8, 1.8,  1.6};
static const double prior_c[GD_NC] = {9, 8, 5, 6, 6, 5, 6, 6, 5, 7, 5, 5, 5, 4, 5, 7, 3, 3};

const char *const gd_materials[GD_NM] = {"Aluminum", "Titanium",  "Stainless-Steel", "Copper",
                                         "Inconel",  "Carbon-Fiber", "Ceramic", "Kevlar",
                                         "Beryllium", "Polymer"};
static const double alpha_m[GD_NM] = {-0.35, 0.35, -0.2, 0.0, 0.5, 0.55, 0.2, 0.3, 0.9, -0.7};
static const double prior_m[GD_NM] = {18, 14, 16, 8, 7, 10, 7, 6, 4, 10};
static const double density_m[GD_NM] = {2.7, 4.5, 8.0, 8.9, 8.4, 1.6, 3.9, 1.44, 1.85, 1.2};
static const double ln_conduct_m[GD_NM] = {5.3, 3.1, 2.8, 5.9, 2.4, 2.0, 3.4, -1.5, 5.3, -1.6};

static const char *const size_names[GD_NS] = {"micro", "small", "medium", "large", "heavy"};
static const double alpha_s[GD_NS] = {-1.3, -0.5, 0.0, 0.6, 1.4};
static const double prior_s[GD_NS] = {15, 25, 30, 20, 10};

static const char *const finish_names[GD_NF] = {"matte", "brushed", "anodized", "polished"};
static const double alpha_f[GD_NF] = {0.0, 0.15, 0.35, 0.6};
static const double prior_f[GD_NF] = {30, 25, 25, 20};

static const char *const grade_names[GD_NG] = {"commercial", "industrial", "flight", "milspec",
                                               "space"};
static const double alpha_g[GD_NG] = {-0.3, -0.1, 0.1, 0.3, 0.5};
static const double prior_g[GD_NG] = {25, 25, 20, 15, 15};

/* ---- vocabulary (title case; hyphenated words are one token) ---- */
const char *const gd_size_words[GD_NS][2] = {
    {"Micro", NULL}, {"Small", "Mini"}, {"Medium", "Mid-Size"}, {"Large", NULL},
    {"Heavy", "Oversized"}};
const char *const gd_finish_words[GD_NF][2] = {
    {"Matte", NULL}, {"Brushed", NULL}, {"Anodized", NULL}, {"Polished", "Mirror-Finish"}};
const char *const gd_grade_words[GD_NG][2] = {
    {"Commercial", "Standard"}, {"Industrial", "Rugged"}, {"Flight-Rated", "Flight"},
    {"Mil-Spec", "Military"},   {"Space-Grade", "Certified"}};
const char *const gd_filler_pre[GD_NFILL_PRE] = {
    "Replacement", "Spare", "Modular", "Precision", "Low-Profile", "Dual", "Custom", "Sealed",
    "Reinforced", "Lightweight", "Universal", "Upgraded", "Integrated", "Redundant",
    "Quick-Release", "Threaded", "Vented", "Insulated", "Primary", "Auxiliary", "Backup"};
const char *const gd_filler_post[GD_NFILL_POST] = {"Assembly", "Unit", "Kit", "Module", "Series",
                                                   "Mk-II", "Mk-III", "Type-A", "Type-B"};

/* ---- sources: sizes of the real file, labelling quality, item mix ----
 * Clean sources: sd <= 0.08, no bias, no outliers. 14 and 18 are biased, 7 and 16 have an
 * outlier component (a wrong unit or a mistyped price: sd 1.3 on the log scale). */
static const struct {
    int rows;
    double tilt, bias, sd, p_out, sd_out, qty_unknown, qty_lambda, desc_missing;
} source_table[GD_NSRC] = {
    /* 0 */ {1142, 0.2, 0, 0.07, 0, 0, 0.30, 1.10, 0.010},
    /* 1 */ {1777, -0.3, 0, 0.08, 0, 0, 0.25, 1.00, 0.005},
    /* 2 */ {1359, 0.5, 0, 0.30, 0, 0, 0.35, 1.20, 0.020},
    /* 3 */ {955, 0.0, 0, 0.07, 0, 0, 0.20, 1.10, 0.010},
    /* 4 */ {2122, 0.3, 0, 0.08, 0, 0, 0.28, 1.15, 0.015},
    /* 5 */ {949, -0.5, 0, 0.35, 0, 0, 0.40, 0.95, 0.030},
    /* 6 */ {3636, 0.1, 0, 0.06, 0, 0, 0.22, 1.05, 0.008},
    /* 7 */ {2698, -0.2, 0, 0.20, 0.07, 1.3, 0.33, 1.00, 0.020},
    /* 8 */ {1074, 0.6, 0, 0.08, 0, 0, 0.25, 1.25, 0.010},
    /* 9 */ {881, -0.6, 0, 0.40, 0, 0, 0.45, 0.90, 0.040},
    /* 10 */ {5319, 0.0, 0, 0.06, 0, 0, 0.27, 1.10, 0.012},
    /* 11 */ {1436, 0.4, 0, 0.25, 0, 0, 0.30, 1.20, 0.015},
    /* 12 */ {927, 0.8, 0, 0.08, 0, 0, 0.20, 1.30, 0.010},
    /* 13 */ {4709, -0.1, 0, 0.07, 0, 0, 0.25, 1.05, 0.010},
    /* 14 */ {1131, 1.6, 0.35, 0.15, 0, 0, 0.35, 1.40, 0.020},
    /* 15 */ {2037, -0.4, 0, 0.30, 0, 0, 0.30, 1.00, 0.020},
    /* 16 */ {1845, 0.2, 0, 0.25, 0.04, 1.3, 0.28, 1.10, 0.020},
    /* 17 */ {1699, -0.8, 0, 0.35, 0, 0, 0.38, 0.90, 0.025},
    /* 18 */ {1480, -1.6, -0.40, 0.15, 0, 0, 0.40, 0.80, 0.030},
    /* 19 */ {3116, 0.3, 0, 0.30, 0, 0, 0.30, 1.00, 0.020},
};

static const double qty_values[] = {
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 16, 20, 24, 25, 30, 32, 36, 40, 48, 50,
    60, 64, 72, 75, 80, 96, 100, 120, 125, 144, 150, 200, 240, 250, 300, 400, 500, 600,
    750, 800, 1000, 1200, 1500, 2000, 2500, 3000, 5000, 7500, 10000, 15000, 20000, 25000,
    50000, 75000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000, 25000000,
    50000000, 97000000};
_Static_assert(sizeof qty_values / sizeof qty_values[0] == GD_NQV, "GD_NQV must match the list");

/* ---- table proxies ---- */
enum { MAXPROXY = 40 };
static gd_proxy proxies[MAXPROXY];

static gd_proxy *add(int col, int group, int kind, int xform, double off, double scale,
                     double sd)
{
    gd_proxy *p = &proxies[gd_m.n_proxy++];
    memset(p, 0, sizeof *p);
    p->col = col;
    p->group = group;
    p->kind = kind;
    p->xform = xform;
    p->off = off;
    p->scale = scale;
    p->sd = sd;
    p->miss_code = NAN;
    return p;
}

static double hn(int col, int v) { return gd_hash_normal((uint64_t)col, (uint64_t)v); }

static void make_proxies(void)
{
    gd_proxy *p;
    double sda = 0, ma = 0, tot = 0;
    for (int c = 0; c < GD_NC; c++) { ma += prior_c[c] * alpha_c[c]; tot += prior_c[c]; }
    ma /= tot;
    for (int c = 0; c < GD_NC; c++) sda += prior_c[c] * (alpha_c[c] - ma) * (alpha_c[c] - ma);
    sda = sqrt(sda / tot);

    /* component type: a catalogue code (int), a family code, three arbitrary measurements */
    p = add(46, GD_P_C, GD_PK_ROUND, GD_X_LIN, 40, 9, 0.3);
    for (int c = 0; c < GD_NC; c++) p->mean[c] = 0.8 * (alpha_c[c] - ma) / sda + 0.6 * hn(46, c);
    p = add(24, GD_P_C, GD_PK_GAUSS, GD_X_EXP, 0, 1, 3.8 * 0.5); /* heavy tail, up to ~1e10 */
    for (int c = 0; c < GD_NC; c++)
        p->mean[c] = 9.2 + 3.8 * (0.7 * (alpha_c[c] - ma) / sda + 0.5 * hn(24, c));
    p = add(29, GD_P_C, GD_PK_GAUSS, GD_X_LIN, 1, 3, 0.5);
    for (int c = 0; c < GD_NC; c++) p->mean[c] = hn(29, c);
    p->miss = 0.85;
    p->miss_code = -8;
    p = add(31, GD_P_C, GD_PK_GAUSS, GD_X_EXP, 0, 1, 0.9);
    for (int c = 0; c < GD_NC; c++) p->mean[c] = 2 + 1.5 * hn(31, c);
    p = add(58, GD_P_C, GD_PK_CAT, GD_X_LIN, 0, 1, 0);
    p->ncode = 3;
    p->codes[0] = 1; p->codes[1] = 4; p->codes[2] = -2;
    for (int c = 0; c < GD_NC; c++) p->code_of[c] = gd_components[c].family;
    p->r = 0.85;
    p->miss = 0.5;
    p = add(71, GD_P_C, GD_PK_GAUSS, GD_X_LIN, 0, 10, 0.5);
    for (int c = 0; c < GD_NC; c++) p->mean[c] = hn(71, c);
    p->block = 3;

    /* material: density, a bounded index in [-5, -2], conductivity, more measurements */
    p = add(3, GD_P_M, GD_PK_GAUSS, GD_X_LIN, 0, 1, 0.55);
    for (int m = 0; m < GD_NM; m++) p->mean[m] = density_m[m];
    p->miss = 0.01;
    p = add(28, GD_P_M, GD_PK_GAUSS, GD_X_LOGIT, -5, 3, 0.4);
    for (int m = 0; m < GD_NM; m++) p->mean[m] = 1.2 * hn(28, m);
    p = add(38, GD_P_M, GD_PK_GAUSS, GD_X_EXP, 0, 1, 0.45);
    for (int m = 0; m < GD_NM; m++) p->mean[m] = ln_conduct_m[m];
    p = add(60, GD_P_M, GD_PK_GAUSS, GD_X_LIN, 20, 100, 0.8);
    for (int m = 0; m < GD_NM; m++) p->mean[m] = hn(60, m);
    p->miss = 0.44;
    for (int col = 65; col <= 69; col++) {
        p = add(col, GD_P_M, GD_PK_GAUSS, GD_X_LIN, 10.0 * (col - 64), 1.0 + (col - 65), 0.7);
        for (int m = 0; m < GD_NM; m++) p->mean[m] = hn(col, m);
        p->block = 2;
    }

    /* size class: a count behind "nr_", volume (heavy tail), two measurements, an int code,
     * a rare mass figure and a freight flag */
    p = add(1, GD_P_S, GD_PK_ROUND, GD_X_EXP, 0, 1, 0.4);
    for (int s = 0; s < GD_NS; s++) p->mean[s] = 0.5 + 0.6 * s;
    p = add(25, GD_P_S, GD_PK_GAUSS, GD_X_EXP, 0, 1, 1.4);
    for (int s = 0; s < GD_NS; s++) p->mean[s] = 4 + 2.2 * s;
    p = add(27, GD_P_S, GD_PK_GAUSS, GD_X_LIN, 500, 120, 0.65); /* feature_43 is a copy */
    for (int s = 0; s < GD_NS; s++) p->mean[s] = 0.9 * s - 1.8 + 0.2 * hn(27, s);
    p = add(34, GD_P_S, GD_PK_GAUSS, GD_X_LIN, 50, 20, 0.7);
    for (int s = 0; s < GD_NS; s++) p->mean[s] = 0.7 * s + 0.3 * hn(34, s);
    p = add(47, GD_P_S, GD_PK_ROUND, GD_X_LIN, 12, 4, 0.5);
    for (int s = 0; s < GD_NS; s++) p->mean[s] = 0.6 * s;
    p = add(23, GD_P_S, GD_PK_GAUSS, GD_X_EXP, 0, 1, 1.3);
    for (int s = 0; s < GD_NS; s++) p->mean[s] = 10.5 + 1.2 * s;
    p->miss = 0.95;
    p = add(75, GD_P_S, GD_PK_BIN, GD_X_LIN, 0, 1, 0);
    p->ncode = 2;
    p->codes[0] = -5; p->codes[1] = -2;
    {
        static const double p1[GD_NS] = {0.1, 0.2, 0.35, 0.55, 0.75};
        memcpy(p->p1, p1, sizeof p1);
    }

    /* finish: a "shiny" flag behind "sh_" and a roughness figure (block 48..52) */
    p = add(2, GD_P_F, GD_PK_BIN, GD_X_LIN, 0, 1, 0);
    p->ncode = 2;
    p->codes[0] = 0; p->codes[1] = 1;
    {
        static const double p1[GD_NF] = {0.15, 0.35, 0.5, 0.8};
        memcpy(p->p1, p1, sizeof p1);
    }
    p = add(48, GD_P_F, GD_PK_GAUSS, GD_X_LIN, 0, 1, 0.8);
    for (int f = 0; f < GD_NF; f++) p->mean[f] = 0.7 * f;
    p->block = 1;

    /* continuous complexity q: six noisy readings (mean[0] is the loading on q) */
    p = add(53, GD_GRP_Q, GD_PK_GAUSS, GD_X_LIN, 30, 8, 0.3);
    p->mean[0] = 1;
    p = add(56, GD_GRP_Q, GD_PK_GAUSS, GD_X_LIN, 0, 10, 0.35);
    p->mean[0] = 1;
    p = add(40, GD_GRP_Q, GD_PK_GAUSS, GD_X_LIN, 0.5, 2, 0.5);
    p->mean[0] = 1;
    p = add(6, GD_GRP_Q, GD_PK_GAUSS, GD_X_LIN, 10, 2.5, 1.0);
    p->mean[0] = 1;
    p->miss = 0.04;
    p = add(36, GD_GRP_Q, GD_PK_GAUSS, GD_X_LIN, 0, 1, 1.5); /* feature_44 = -7 - feature_36 */
    p->mean[0] = 1;
    p = add(70, GD_GRP_Q, GD_PK_GAUSS, GD_X_LIN, 0, 1, 0.8);
    p->mean[0] = 1;
    p->block = 3;

    gd_m.proxy = proxies;
    gd_m.block_miss[1] = 0.69;
    gd_m.block_miss[2] = 0.20;
    gd_m.block_miss[3] = 0.28;
}

static void normalise(double *w, int n)
{
    double t = 0;
    for (int i = 0; i < n; i++) t += w[i];
    for (int i = 0; i < n; i++) w[i] /= t;
}

static char col_names[GD_NCOL][24];

void gd_model_init(void)
{
    memset(&gd_m, 0, sizeof gd_m);
    gd_m.c0 = 8.9;
    gd_m.b_q = 0.35;
    gd_m.beta_qty = 0.07;
    gd_m.rush_effect = 0.35;

    const double *alphas[GD_NPROP] = {alpha_c, alpha_m, alpha_s, alpha_f, alpha_g};
    const double *priors[GD_NPROP] = {prior_c, prior_m, prior_s, prior_f, prior_g};
    const int card[GD_NPROP] = {GD_NC, GD_NM, GD_NS, GD_NF, GD_NG};
    static const char *const pnames[GD_NPROP] = {"component", "material", "size", "finish",
                                                 "grade"};
    for (int k = 0; k < GD_NPROP; k++) {
        gd_m.card[k] = card[k];
        gd_m.prop_name[k] = pnames[k];
        for (int v = 0; v < card[k]; v++) {
            gd_m.alpha[k][v] = alphas[k][v];
            gd_m.prior[k][v] = priors[k][v];
        }
        normalise(gd_m.prior[k], card[k]);
    }
    for (int c = 0; c < GD_NC; c++) gd_m.value_name[GD_P_C][c] = gd_components[c].name;
    for (int m = 0; m < GD_NM; m++) gd_m.value_name[GD_P_M][m] = gd_materials[m];
    for (int s = 0; s < GD_NS; s++) gd_m.value_name[GD_P_S][s] = size_names[s];
    for (int f = 0; f < GD_NF; f++) gd_m.value_name[GD_P_F][f] = finish_names[f];
    for (int g = 0; g < GD_NG; g++) gd_m.value_name[GD_P_G][g] = grade_names[g];

    for (int i = 0; i < GD_NQV; i++) gd_m.qty_value[i] = qty_values[i];
    for (int s = 0; s < GD_NSRC; s++) {
        gd_source *src = &gd_m.src[s];
        src->real_rows = source_table[s].rows;
        src->tilt = source_table[s].tilt;
        src->bias = source_table[s].bias;
        double po = source_table[s].p_out;
        src->noise.ncomp = po > 0 ? 2 : 1;
        src->noise.w[0] = 1 - po;
        src->noise.sd[0] = source_table[s].sd;
        if (po > 0) {
            src->noise.w[1] = po;
            src->noise.sd[1] = source_table[s].sd_out;
        }
        src->clean = source_table[s].sd <= 0.08 && po == 0 && source_table[s].bias == 0;
        src->qty_unknown = source_table[s].qty_unknown;
        src->qty_lambda = source_table[s].qty_lambda;
        src->desc_missing = source_table[s].desc_missing;
        /* noise columns 9, 10, 11, 13 are empty for some sources, sparse for others */
        src->miss9 = (s % 4 == 1) ? 1.0 : 0.62;
        src->miss10 = (s % 5 == 2) ? 1.0 : 0.80;
        src->miss11 = (s % 3 == 0) ? 1.0 : 0.86;
        src->miss13 = (s % 2 == 0) ? 1.0 : 0.90;

        /* item mix: a tilt towards expensive (tilt > 0) or cheap component types and sizes */
        for (int k = 0; k < GD_NPROP; k++)
            for (int v = 0; v < card[k]; v++) {
                double w = 1;
                if (k == GD_P_C || k == GD_P_S) w = exp(src->tilt * gd_m.alpha[k][v]);
                gd_m.tilt_weight[s][k][v] = w;
                gd_m.src_prior[s][k][v] = gd_m.prior[k][v] * w;
            }
        for (int k = 0; k < GD_NPROP; k++) normalise(gd_m.src_prior[s][k], card[k]);

        /* quantity: 90% power law (cheap sources buy in bulk), 10% log-uniform tail */
        for (int i = 0; i < GD_NQV; i++) gd_m.qty_pmf[s][i] = pow(qty_values[i], -src->qty_lambda);
        normalise(gd_m.qty_pmf[s], GD_NQV);
        for (int i = 0; i < GD_NQV; i++)
            gd_m.qty_pmf[s][i] = 0.9 * gd_m.qty_pmf[s][i] + 0.1 / GD_NQV;
    }

    make_proxies();

    for (int c = 0; c < GD_NCOL; c++) {
        if (c == GD_COL_SOURCE) snprintf(col_names[c], sizeof col_names[c], "source_id");
        else if (c == GD_COL_QTY) snprintf(col_names[c], sizeof col_names[c], "quantity");
        else if (c == GD_COL_TARGET) snprintf(col_names[c], sizeof col_names[c], "target");
        else if (c == GD_COL_DESC) snprintf(col_names[c], sizeof col_names[c], "description");
        else snprintf(col_names[c], sizeof col_names[c], "feature_%d", c);
        gd_m.col_name[c] = col_names[c];
        gd_m.col_type[c] = GD_T_FLOAT;
    }
    gd_m.col_type[GD_COL_SOURCE] = GD_T_SOURCE;
    gd_m.col_type[GD_COL_QTY] = GD_T_QTY;
    gd_m.col_type[GD_COL_TARGET] = GD_T_TARGET;
    gd_m.col_type[GD_COL_DESC] = GD_T_DESC;
    gd_m.col_type[1] = GD_T_NR;
    gd_m.col_type[2] = GD_T_SH;
    gd_m.col_type[8] = GD_T_BOOL;
    static const int int_cols[] = {22, 39, 46, 47, 54, 55, 58, 59, 64, 75, 76, 77};
    for (size_t i = 0; i < sizeof int_cols / sizeof int_cols[0]; i++)
        gd_m.col_type[int_cols[i]] = GD_T_INT;

    for (int i = 0; i < gd_m.n_proxy; i++) gd_m.col_item_level[proxies[i].col] = 1;
    static const int item_noise[] = {7, 26, 30, 33, 39, 42, 45, 55, 72, 73, 74};
    for (size_t i = 0; i < sizeof item_noise / sizeof item_noise[0]; i++)
        gd_m.col_item_level[item_noise[i]] = 1;
}
