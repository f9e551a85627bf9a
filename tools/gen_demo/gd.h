/* tools/gen_demo/gd.h — shared types of the demo-data generator (see README.md there).
 *
 *     gd_model_init();                        // fixed model constants (vocabulary, effects, proxies)
 *     gd_items_make(&opt, &items, &n_items);  // hidden item catalogue + descriptions
 *     gd_rows_make(&opt, items, n_items, &rows, &n_rows);
 *
 * The generator is a standalone program: nothing here is part of the xp plugin ABI. Names
 * shared between its files carry the gd_ prefix; everything else is file-local.
 */
#ifndef GD_GD_H
#define GD_GD_H

#include <stdint.h>
#include <stdio.h>

/* ---- sizes of the hidden model ---- */
enum {
    GD_NC = 18,    /* component types */
    GD_NM = 10,    /* materials */
    GD_NS = 5,     /* size classes */
    GD_NF = 4,     /* finishes */
    GD_NG = 5,     /* grades */
    GD_NSRC = 20,  /* sources */
    GD_NCOL = 80,  /* CSV columns */
    GD_NQV = 66,   /* quantity support size */
    GD_MAXV = 18,  /* largest property cardinality */
};

/* Discrete property groups (index into gd_item.prop) and the continuous latent. */
enum { GD_P_C = 0, GD_P_M, GD_P_S, GD_P_F, GD_P_G, GD_NPROP };
enum { GD_GRP_Q = GD_NPROP }; /* proxies of the continuous latent q */

/* CSV column numbers */
enum { GD_COL_SOURCE = 0, GD_COL_QTY = 63, GD_COL_TARGET = 78, GD_COL_DESC = 79 };

/* How a cell is printed. */
enum { GD_T_FLOAT, GD_T_INT, GD_T_BOOL, GD_T_NR, GD_T_SH, GD_T_SOURCE, GD_T_QTY, GD_T_TARGET,
       GD_T_DESC };

/* Proxy kinds: how an item-level table value depends on one hidden property. */
enum {
    GD_PK_GAUSS,   /* x = T(z), z = mean[v] + N(0, sd^2)   (for q: z = mean[0]*q + N(0, sd^2)) */
    GD_PK_ROUND,   /* x = round(T(z)), same z: an integer column */
    GD_PK_CAT,     /* x = codes[code_of[v]] w.p. r, else one of the other codes uniformly */
    GD_PK_BIN,     /* x = codes[1] w.p. p1[v], else codes[0] */
};
/* Monotone transforms T(z) = off + scale * t(z). */
enum { GD_X_LIN, GD_X_EXP, GD_X_LOGIT };

typedef struct {
    int col;              /* CSV column (feature number) */
    int group;            /* GD_P_* or GD_GRP_Q */
    int kind;             /* GD_PK_* */
    int xform;            /* GD_X_* */
    double off, scale;    /* transform */
    double sd;            /* latent noise sd (GAUSS/ROUND) */
    double mean[GD_MAXV]; /* latent mean per property value; for q, mean[0] is the loading */
    double miss;          /* item-level missing probability (when block == 0) */
    int block;            /* shared item-level missing draw (0 = own draw) */
    double miss_code;     /* value written when missing; NAN = empty cell */
    int ncode;            /* CAT/BIN: number of codes */
    double codes[3];
    int code_of[GD_MAXV]; /* CAT: code index per property value */
    double r;             /* CAT: probability the true code is shown */
    double p1[GD_MAXV];   /* BIN: probability of codes[1] per property value */
} gd_proxy;

typedef struct {
    double w[3], mu[3], sd[3]; /* label-noise mixture on log(target) */
    int ncomp;
} gd_noise;

typedef struct {
    int real_rows;        /* row count in the real file (scaled to --rows) */
    double tilt;          /* preference for expensive component types / sizes */
    double bias;          /* additive bias on log(target) */
    gd_noise noise;
    int clean;            /* small noise, no bias, no outliers */
    double qty_unknown;   /* probability of the quantity placeholder -2 */
    double qty_lambda;    /* power-law exponent of the quantity distribution */
    double desc_missing;  /* probability a row's description is empty */
    double miss9, miss10, miss11, miss13; /* source-dependent emptiness of noise columns */
} gd_source;

typedef struct {
    const char *name;     /* e.g. "Thruster Nozzle" (component words) */
    int family;           /* family code: 0 structural, 1 mechanical/fluid, 2 avionics */
} gd_component;

/* The fixed hidden model. All numbers are constants of the generator (not of the seed). */
typedef struct {
    double c0;                    /* intercept of log(target) */
    double b_q;                   /* effect of the latent q */
    double beta_qty;              /* economies of scale: -beta * ln(quantity) */
    double rush_effect;           /* feature_8 == True */
    double alpha[GD_NPROP][GD_MAXV]; /* log-price effect per property value */
    double prior[GD_NPROP][GD_MAXV]; /* population prior per property value */
    int card[GD_NPROP];
    const char *prop_name[GD_NPROP];
    const char *value_name[GD_NPROP][GD_MAXV];
    gd_source src[GD_NSRC];
    double tilt_weight[GD_NSRC][GD_NPROP][GD_MAXV]; /* source preference w_s(value) (C and S) */
    double src_prior[GD_NSRC][GD_NPROP][GD_MAXV];   /* prior * w_s, normalised */
    double qty_value[GD_NQV];
    double qty_pmf[GD_NSRC][GD_NQV];
    gd_proxy *proxy;
    int n_proxy;
    double block_miss[4];         /* item-level missing rate of blocks 1..3 */
    const char *col_name[GD_NCOL];
    int col_type[GD_NCOL];
    int col_item_level[GD_NCOL];  /* value fixed per item (proxies and item-level noise) */
} gd_model;

extern gd_model gd_m;
void gd_model_init(void);

/* ---- options ---- */
typedef struct {
    long rows, items;
    uint64_t seed;
    const char *out;
    int min_px, max_px;
    int threads;
    int small;
    int no_images;
    double holdout_frac;
} gd_options;

/* ---- RNG (xoshiro256**, seeded by splitmix64) ---- */
typedef struct { uint64_t s[4]; } gd_rng;
void gd_rng_seed(gd_rng *r, uint64_t seed, uint64_t stream, uint64_t sub);
uint64_t gd_rng_u64(gd_rng *r);
double gd_rng_unif(gd_rng *r);          /* [0, 1) */
double gd_rng_normal(gd_rng *r);
int gd_rng_below(gd_rng *r, int n);
int gd_rng_pick(gd_rng *r, const double *w, int n); /* categorical, w need not sum to 1 */
double gd_hash_normal(uint64_t a, uint64_t b);     /* fixed pseudo-normal of two keys */

/* ---- items ---- */
enum { GD_IMG_NONE, GD_IMG_JPG, GD_IMG_JPEG, GD_IMG_PNG_RGB, GD_IMG_PNG_RGBA, GD_IMG_PNG_GREY };

typedef struct {
    int prop[GD_NPROP];
    double q;
    double pop;
    int holdout;
    int has_size_word, has_finish_word, has_grade_word;
    int img_kind;
    int hyphen_rule;       /* 0: '-' -> '_', 1: '-' dropped */
    char desc[96];
    char slug[112];
    double val[GD_NCOL];   /* item-level cells (NAN = empty) */
    int n_rows, n_desc_rows;
} gd_item;

int gd_items_make(const gd_options *o, gd_item **items, long *n_items, long *redraws);
const char *gd_img_ext(int kind);

/* ---- rows ---- */
typedef struct {
    int src;
    int item;
    int dup;               /* 1 if this row is an exact copy of another row */
    int rush;
    int qty_known;
    double qty_true;
    int desc_shown;
    double mu_log;         /* noise-free log(target) (includes bias, rush, quantity) */
    double eps;            /* label noise on log(target) */
    double y;              /* exp(mu_log + eps), before rounding and clipping */
    long long target;
    int clipped;
    double val[GD_NCOL];   /* printed cells (NAN = empty) */
} gd_row;

int gd_rows_make(const gd_options *o, gd_item *items, long n_items, gd_row **rows, long *n_rows,
                 long *n_clipped);

/* ---- output ---- */
double gd_p6(double x);   /* x rounded through "%.6g" (what the CSV shows) */
int gd_csv_write(const char *path, const gd_row *rows, long n_rows, const gd_item *items);
long gd_csv_count_duplicates(const gd_row *rows, long n_rows);

/* ---- oracle ---- */
enum { GD_OR_TABLE, GD_OR_TEXT, GD_OR_IMAGE, GD_OR_TEXT_IMAGE, GD_OR_ALL, GD_NOR };
typedef struct {
    double mean;      /* E[y]            : RMSE / R2 raw */
    double median;    /* median(y)       : MAE raw (and exp of the log-space median) */
    double logmean;   /* E[ln y]         : RMSE / R2 in log space */
    double log1p;     /* E[ln(1 + y)]    : RMSLE, predictor exp(log1p) - 1 */
    double logvar;    /* Var[ln y]       : calibration check */
} gd_pred;
extern const char *gd_oracle_name[GD_NOR];
extern const char *gd_oracle_about[GD_NOR];
void gd_oracle_predict(const gd_item *it, const gd_row *r, int variant, gd_pred *out);
void gd_oracle_thread_done(void); /* frees this thread's scratch */
int gd_oracle_write(const gd_options *o, const gd_item *items, long n_items, const gd_row *rows,
                    long n_rows, long n_clipped, long redraws, long n_images, long n_desc_distinct);

/* ---- images ---- */
typedef struct { int w, h, ch; unsigned char *px; } gd_image;
int gd_render(const gd_item *it, long item_id, uint64_t seed, int min_px, int max_px, gd_image *im);
long gd_images_write(const gd_options *o, const gd_item *items, long n_items);

/* ---- misc ---- */
int gd_mkdirs(const char *path);
void gd_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
