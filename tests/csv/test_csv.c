/* test_csv.c — the "csv" loader plugin, driven through the real host (core/host.c).
 *
 *     meson test -C build csv
 *     ./build/tests/csv/test_csv                  (paths to the .so and fixtures are built in)
 *
 * dlopen()s the built plugin, takes its loader ops from xp_plugin_entry and calls load() with
 * a context from host_call_init, exactly as the runner does. Fixtures in tests/csv/fixtures
 * cover quoting, CRLF / CR, BOM, blank lines, missing tokens, type inference, options,
 * nrows, drop, overrides and every malformed-input error; values are compared exactly.
 * A generated file with random doubles and awkward strings checks the round trip bit for bit.
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "frame.h"
#include "host.h"

#ifndef CSV_PLUGIN_PATH
#error "CSV_PLUGIN_PATH must name the built plugin"
#endif
#ifndef CSV_FIXTURES
#error "CSV_FIXTURES must name tests/csv/fixtures"
#endif

static const xp_loader_ops *ops;
static host_env env;

/* Last load's outcome. */
static int rc_;
static char err_[4096];

typedef struct req {
    const char *file;          /* fixture name, or an absolute path */
    const char *options;       /* YAML for data.options, or NULL */
    const char *target;
    const char *const *drop;
    size_t n_drop;
    const xp_type_override *types;
    size_t n_types;
    int64_t nrows;
    size_t n_schema_types;     /* the last n of types are a trained model's (runner predict) */
} req;

static void count_unused(const xp_cfg *key, void *user)
{
    fprintf(stderr, "option never read by the plugin: %s\n", cfg_where(key));
    (*(int *)user)++;
}

static xp_frame *load(req r)
{
    char path[1024];
    if (r.file[0] == '/') snprintf(path, sizeof path, "%s", r.file);
    else snprintf(path, sizeof path, "%s/%s", CSV_FIXTURES, r.file);
    xp_cfg *cfg = NULL;
    if (r.options) {
        char e[1024];
        cfg = cfg_load_string(r.options, "options.yaml", e, sizeof e);
        if (!cfg) {
            fprintf(stderr, "bad test options: %s\n", e);
            CHECK(cfg != NULL);
            return NULL;
        }
    }
    xp_load_options o = { sizeof o, path, r.target, r.drop, r.n_drop, r.types, r.n_types, r.nrows, r.n_schema_types };
    host_call call;
    xp_ctx ctx;
    host_call_init(&ctx, &call, &env, "csv", 0);
    xp_frame *f = (xp_frame *)0x1;
    rc_ = ops->load(&ctx, cfg, &o, &f);
    snprintf(err_, sizeof err_, "%s", rc_ ? host_call_error(&call) : "");
    if (rc_) {
        CHECK(f == NULL);   /* no half-built frame on failure */
        f = NULL;
    } else if (cfg) {
        int unused = 0;
        cfg_unused(cfg, count_unused, &unused);
        CHECK_EQ_INT(unused, 0);
    }
    cfg_free(cfg);
    return f;
}

/* Expects load(r) to fail with `code` and a message containing `msg`. */
static void load_fails(req r, int code, const char *msg)
{
    xp_frame *f = load(r);
    CHECK(f == NULL);
    if (f) frame_free(f);
    CHECK_EQ_INT(rc_, code);
    CHECK_CONTAINS(err_, msg);
}

static xp_column *col(const xp_frame *f, const char *name)
{
    xp_column *c = frame_find(f, name);
    if (!c) fprintf(stderr, "no column '%s'\n", name);
    CHECK(c != NULL);
    return c;
}

#define CHECK_NUM(c, i, v)                                                              \
    do {                                                                                \
        double e_ = (v), g_ = (c) ? (c)->num[i] : NAN;                                  \
        check_count_++;                                                                 \
        if (!(isnan(e_) ? isnan(g_) : memcmp(&e_, &g_, sizeof e_) == 0)) {              \
            check_failures_++;                                                          \
            fprintf(stderr, "%s:%d: %s[%d] = %.17g, expected %.17g\n", __FILE__,        \
                    __LINE__, (c) ? (c)->name : "?", (int)(i), g_, e_);                 \
        }                                                                               \
    } while (0)

static const char *level_of(const xp_column *c, size_t i)
{
    if (!c || c->type != XP_COL_CATEGORICAL || c->codes[i] < 0) return NULL;
    return c->levels[c->codes[i]];
}

#define CHECK_NULL(p) CHECK((p) == NULL)

/* ------------------------------------------------------------------ tests */

static void test_basic(void)
{
    xp_frame *f = load((req){ .file = "basic.csv", .target = "target" });
    CHECK(f != NULL);
    if (!f) { fprintf(stderr, "%s\n", err_); return; }
    CHECK_EQ_INT(f->n_rows, 6);
    CHECK_EQ_INT(f->n_cols, 7);
    for (size_t i = 0; i < f->n_rows; i++) CHECK_EQ_INT(f->row_id[i], i);
    static const char *order[] = { "id", "price", "ratio", "flag", "color", "note", "target" };
    for (size_t j = 0; j < 7 && j < f->n_cols; j++) CHECK_STR(f->cols[j]->name, order[j]);

    xp_column *id = col(f, "id"), *price = col(f, "price"), *ratio = col(f, "ratio");
    xp_column *flag = col(f, "flag"), *color = col(f, "color"), *note = col(f, "note");
    xp_column *target = col(f, "target");
    CHECK_EQ_INT(id->type, XP_COL_NUMERIC);
    CHECK_EQ_INT(id->role, XP_ROLE_FEATURE);
    for (int i = 0; i < 6; i++) CHECK_NUM(id, i, i);
    CHECK_NUM(price, 0, 10); CHECK_NUM(price, 1, -2); CHECK_NUM(price, 2, NAN);
    CHECK_NUM(price, 3, 7); CHECK_NUM(price, 4, NAN); CHECK_NUM(price, 5, 3);
    CHECK_NUM(ratio, 0, 1.5); CHECK_NUM(ratio, 1, NAN); CHECK_NUM(ratio, 2, 225);
    CHECK_NUM(ratio, 3, -0.5); CHECK_NUM(ratio, 4, NAN); CHECK_NUM(ratio, 5, NAN);
    CHECK_EQ_INT(flag->type, XP_COL_BOOL);
    CHECK_NUM(flag, 0, 1); CHECK_NUM(flag, 1, 0); CHECK_NUM(flag, 2, 1);
    CHECK_NUM(flag, 3, 0); CHECK_NUM(flag, 4, NAN); CHECK_NUM(flag, 5, 1);
    /* 2 distinct values in 5 non-missing rows: categorical, levels sorted. */
    CHECK_EQ_INT(color->type, XP_COL_CATEGORICAL);
    CHECK_EQ_INT(color->n_levels, 2);
    if (color->n_levels == 2) {
        CHECK_STR(color->levels[0], "blue");
        CHECK_STR(color->levels[1], "red");
    }
    static const int codes[] = { 1, 0, 1, 1, 0, -1 };
    for (int i = 0; i < 6; i++) CHECK_EQ_INT(color->codes[i], codes[i]);
    /* All distinct: text; NA and empty are missing (NULL). */
    CHECK_EQ_INT(note->type, XP_COL_TEXT);
    CHECK_STR(note->text[0], "first row");
    CHECK_STR(note->text[1], "second");
    CHECK_NULL(note->text[2]);
    CHECK_STR(note->text[3], "quoted, with comma");
    CHECK_NULL(note->text[4]);
    CHECK_STR(note->text[5], "last");
    CHECK_EQ_INT(target->role, XP_ROLE_TARGET);
    CHECK_EQ_INT(target->type, XP_COL_NUMERIC);
    for (int i = 0; i < 6; i++) CHECK_NUM(target, i, 100.0 * (i + 1));
    frame_free(f);
}

static void test_quoting(void)
{
    xp_frame *f = load((req){ .file = "quoting.csv" });
    CHECK(f != NULL);
    if (!f) { fprintf(stderr, "%s\n", err_); return; }
    CHECK_EQ_INT(f->n_rows, 5);
    xp_column *a = col(f, "a"), *b = col(f, "b"), *c = col(f, "c");
    CHECK_EQ_INT(a->type, XP_COL_TEXT);
    CHECK_STR(a->text[0], "x, y");
    CHECK_STR(a->text[1], "line1\nline2");
    CHECK_NULL(a->text[2]);                 /* "" is an empty field: missing */
    CHECK_STR(a->text[3], "\"");
    CHECK_STR(a->text[4], "multi\n\nline");
    CHECK_EQ_INT(b->type, XP_COL_TEXT);
    CHECK_STR(b->text[0], "say \"hi\"");
    CHECK_STR(b->text[1], "plain");
    CHECK_STR(b->text[2], "5'3\"");         /* a quote inside an unquoted field is kept */
    CHECK_STR(b->text[3], "a\"\"b");
    CHECK_STR(b->text[4], "end");
    for (int i = 0; i < 5; i++) CHECK_NUM(c, i, i + 1);   /* last line has no newline */
    frame_free(f);
}

static void test_quoted_header(void)
{
    xp_frame *f = load((req){ .file = "quoted_header.csv", .target = "x \"y\"" });
    CHECK(f != NULL);
    if (!f) { fprintf(stderr, "%s\n", err_); return; }
    CHECK_EQ_INT(f->n_cols, 4);
    if (f->n_cols == 4) {
        CHECK_STR(f->cols[0]->name, "name, full");
        CHECK_STR(f->cols[1]->name, "x \"y\"");
        CHECK_STR(f->cols[2]->name, "z");
        CHECK_STR(f->cols[3]->name, "multi\nline");
        CHECK_EQ_INT(f->cols[1]->role, XP_ROLE_TARGET);
        CHECK_NUM(f->cols[1], 0, 2);
        CHECK_NUM(f->cols[3], 1, 8);
    }
    frame_free(f);
}

static void test_line_ends(void)
{
    xp_frame *f = load((req){ .file = "crlf.csv" });
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_INT(f->n_rows, 3);
        xp_column *k = col(f, "k"), *v = col(f, "v");
        for (int i = 0; i < 3; i++) CHECK_NUM(k, i, i + 1);
        CHECK_EQ_INT(v->type, XP_COL_TEXT);
        CHECK_STR(v->text[0], "a\r\nb");
        CHECK_STR(v->text[1], "c");
        CHECK_STR(v->text[2], "d");
        for (int i = 0; i < 3; i++) CHECK_EQ_INT(f->row_id[i], i);
        frame_free(f);
    }
    f = load((req){ .file = "cr.csv" });
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_INT(f->n_rows, 2);
        CHECK_NUM(col(f, "a"), 1, 3);
        CHECK_NUM(col(f, "b"), 1, 4);
        frame_free(f);
    }
}

static void test_bom_utf8(void)
{
    xp_frame *f = load((req){ .file = "bom.csv" });
    CHECK(f != NULL);
    if (!f) return;
    CHECK_STR(f->cols[0]->name, "name");   /* the BOM is not part of the first name */
    xp_column *n = col(f, "name");
    CHECK_EQ_INT(n->type, XP_COL_TEXT);
    CHECK_STR(n->text[0], "caf\xc3\xa9");
    CHECK_STR(n->text[1], "\xe2\x82\xac");
    CHECK_STR(n->text[2], "\xf0\x9f\x9a\x80");
    CHECK_NUM(col(f, "val"), 2, 3);
    frame_free(f);
}

static void test_missing(void)
{
    xp_frame *f = load((req){ .file = "missing.csv" });
    CHECK(f != NULL);
    if (!f) return;
    CHECK_EQ_INT(f->n_rows, 5);              /* the blank line is skipped... */
    CHECK_EQ_INT(f->row_id[2], 2);           /* ...and not counted */
    xp_column *num = col(f, "num"), *txt = col(f, "txt"), *empty = col(f, "empty");
    xp_column *boolish = col(f, "boolish");
    CHECK_EQ_INT(num->type, XP_COL_NUMERIC);
    CHECK_NUM(num, 0, 1); CHECK_NUM(num, 1, NAN); CHECK_NUM(num, 2, 2.5);
    CHECK_NUM(num, 3, NAN); CHECK_NUM(num, 4, NAN);
    /* 2 distinct in 3 non-missing rows (> half): text; values kept as written. */
    CHECK_EQ_INT(txt->type, XP_COL_TEXT);
    CHECK_STR(txt->text[0], "a");
    CHECK_NULL(txt->text[1]);
    CHECK_STR(txt->text[2], " b ");
    CHECK_NULL(txt->text[3]);
    CHECK_STR(txt->text[4], "a");
    /* Entirely missing: numeric, all NaN. */
    CHECK_EQ_INT(empty->type, XP_COL_NUMERIC);
    for (int i = 0; i < 5; i++) CHECK_NUM(empty, i, NAN);
    CHECK_EQ_INT(boolish->type, XP_COL_BOOL);
    CHECK_NUM(boolish, 0, 1); CHECK_NUM(boolish, 1, 0); CHECK_NUM(boolish, 2, NAN);
    CHECK_NUM(boolish, 3, NAN); CHECK_NUM(boolish, 4, 1);
    frame_free(f);
}

static void test_inference(void)
{
    xp_frame *f = load((req){ .file = "types.csv" });
    CHECK(f != NULL);
    if (!f) return;
    CHECK_EQ_INT(f->n_rows, 12);
    xp_column *i = col(f, "i"), *fl = col(f, "f"), *b = col(f, "b"), *pref = col(f, "pref");
    xp_column *mixed = col(f, "mixed"), *desc = col(f, "desc"), *code = col(f, "code");
    xp_column *cat = col(f, "cat");
    CHECK_EQ_INT(i->type, XP_COL_NUMERIC);
    for (int r = 0; r < 12; r++) CHECK_NUM(i, r, r * 3 - 5);
    CHECK_EQ_INT(fl->type, XP_COL_NUMERIC);
    CHECK_NUM(fl, 0, 1.5); CHECK_NUM(fl, 1, -2); CHECK_NUM(fl, 2, 300);
    CHECK_NUM(fl, 3, INFINITY); CHECK_NUM(fl, 4, 0.25); CHECK_NUM(fl, 5, -0.0);
    CHECK(signbit(fl->num[5]));
    CHECK_EQ_INT(b->type, XP_COL_BOOL);
    for (int r = 0; r < 12; r++) CHECK_NUM(b, r, r % 2 ? 0 : 1);
    /* nr_<k> stays a string: 3 levels in 12 rows -> categorical. */
    CHECK_EQ_INT(pref->type, XP_COL_CATEGORICAL);
    CHECK_EQ_INT(pref->n_levels, 3);
    for (int r = 0; r < 12; r++) {
        char want[16];
        snprintf(want, sizeof want, "nr_%d", r % 3);
        CHECK_STR(level_of(pref, (size_t)r), want);
    }
    /* Bools mixed with numbers are strings. Levels not all numbers: bytewise order. */
    CHECK_EQ_INT(mixed->type, XP_COL_CATEGORICAL);
    CHECK_EQ_INT(mixed->n_levels, 4);
    if (mixed->n_levels == 4) {
        CHECK_STR(mixed->levels[0], "0");
        CHECK_STR(mixed->levels[1], "1");
        CHECK_STR(mixed->levels[2], "False");
        CHECK_STR(mixed->levels[3], "True");
    }
    CHECK_STR(level_of(mixed, 1), "1");
    CHECK_EQ_INT(desc->type, XP_COL_TEXT);
    CHECK_STR(desc->text[11], "item number 11");
    CHECK_EQ_INT(code->type, XP_COL_NUMERIC);
    CHECK_NUM(code, 0, 1); CHECK_NUM(code, 1, -2); CHECK_NUM(code, 2, 4); CHECK_NUM(code, 3, NAN);
    CHECK_EQ_INT(cat->type, XP_COL_CATEGORICAL);
    CHECK_STR(cat->levels[0], "a");
    CHECK_STR(cat->levels[1], "b");
    CHECK_STR(cat->levels[2], "c");
    CHECK_EQ_INT(cat->codes[0], 1);
    CHECK_EQ_INT(cat->codes[1], 0);
    CHECK_EQ_INT(cat->codes[2], 2);
    frame_free(f);

    /* The categorical/text threshold is an option. */
    f = load((req){ .file = "types.csv", .options = "max_levels: 2\nmax_level_ratio: 1.0\n" });
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_INT(col(f, "pref")->type, XP_COL_TEXT);     /* 3 levels > 2 */
        CHECK_EQ_INT(col(f, "cat")->type, XP_COL_TEXT);
        frame_free(f);
    }
    f = load((req){ .file = "types.csv", .options = "max_level_ratio: 1.0\n" });
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_INT(col(f, "desc")->type, XP_COL_CATEGORICAL);   /* 12 of 12 allowed */
        frame_free(f);
    }
}

/* Numbers written for people (csv_fmtnum.c): currency signs before or after, thousands
 * separators in groups of three, %, parentheses. A decimal comma or a bad grouping anywhere
 * in a column keeps it a string. */
static void test_formatted(void)
{
    xp_frame *f = load((req){ .file = "formatted.csv" });
    CHECK(f != NULL);
    if (!f) { fprintf(stderr, "%s\n", err_); return; }
    CHECK_EQ_INT(f->n_rows, 12);
    xp_column *money = col(f, "money"), *pct = col(f, "pct"), *mixed = col(f, "mixed_fmt");
    CHECK_EQ_INT(money->type, XP_COL_NUMERIC);
    const double want_money[12] = { 1234.5, -5, -7, -1200, NAN, 12, 3, 1000, 2, 1000000, 8, 0.5 };
    for (int r = 0; r < 12; r++) CHECK_NUM(money, r, want_money[r]);
    CHECK_EQ_INT(pct->type, XP_COL_NUMERIC);
    const double want_pct[12] = { 12.5, 0, -3, 100, NAN, 7.25, 1, 2, 3, 4, 5, 6 };
    for (int r = 0; r < 12; r++) CHECK_NUM(pct, r, want_pct[r]);
    /* Plain numbers and "1,000" in one column: all numbers. */
    CHECK_EQ_INT(mixed->type, XP_COL_NUMERIC);
    const double want_mixed[12] = { 1000, 7, 2500.5, NAN, NAN, -3, 12000, 1, 2, 3, 4, 5 };
    for (int r = 0; r < 12; r++) CHECK_NUM(mixed, r, want_mixed[r]);
    CHECK(col(f, "comma_dec")->type != XP_COL_NUMERIC);   /* "12,5": a decimal comma, ambiguous */
    CHECK(col(f, "bad_group")->type != XP_COL_NUMERIC);   /* "1234,567", "12,34" */
    CHECK(col(f, "label")->type != XP_COL_NUMERIC);       /* "1st" */
    frame_free(f);
    /* Forced numeric takes them too; a field that is not one is still an error with its line. */
    const xp_type_override num[] = { { "money", XP_COL_NUMERIC }, { "label", XP_COL_TEXT } };
    f = load((req){ .file = "formatted.csv", .types = num, .n_types = 2 });
    CHECK(f != NULL);
    if (f) {
        CHECK_NUM(col(f, "money"), 3, -1200);
        CHECK_NUM(col(f, "money"), 7, 1000);
        frame_free(f);
    }
    /* A ';' file (a comma-decimal spreadsheet's export): "1.234,5" and "12,5" are numbers. */
    f = load((req){ .file = "formatted_semi.csv" });
    CHECK(f != NULL);
    if (f) {
        xp_column *price = col(f, "price"), *rate = col(f, "rate");
        CHECK_EQ_INT(price->type, XP_COL_NUMERIC);
        CHECK_EQ_INT(rate->type, XP_COL_NUMERIC);
        const double want_price[5] = { 1234.5, 7, NAN, -2.75, 3.1 }, want_rate[5] = { 12.5, 3.25, 0.5, 1, 2 };
        for (int r = 0; r < 5; r++) { CHECK_NUM(price, r, want_price[r]); CHECK_NUM(rate, r, want_rate[r]); }
        CHECK(col(f, "label")->type != XP_COL_NUMERIC);
        frame_free(f);
    }
    const xp_type_override num_bad[] = { { "comma_dec", XP_COL_NUMERIC } };
    load_fails((req){ .file = "formatted.csv", .types = num_bad, .n_types = 1 }, XP_EFORMAT,
               "formatted.csv:2: column 'comma_dec' (field 3): '12,5' is not a number");
}

/* A number column with a few stray labels: the labels become missing (a warning names them);
 * too many of them (8 of 40) keep it a string. Spreadsheet and pandas missing tokens are missing. */
static void test_strays(void)
{
    xp_frame *f = load((req){ .file = "strays.csv" });
    CHECK(f != NULL);
    if (!f) { fprintf(stderr, "%s\n", err_); return; }
    xp_column *rt = col(f, "runtime"), *na = col(f, "na_tokens"), *few = col(f, "few");
    CHECK_EQ_INT(rt->type, XP_COL_NUMERIC);
    for (int r = 0; r < 40; r++) CHECK_NUM(rt, r, r == 4 || r == 9 ? NAN : 90 + r);
    CHECK(col(f, "codes")->type != XP_COL_NUMERIC);
    CHECK_EQ_INT(na->type, XP_COL_NUMERIC);
    for (int r = 0; r < 40; r++) CHECK_NUM(na, r, r % 6 == 0 ? NAN : r / 2.0);
    CHECK_EQ_INT(few->type, XP_COL_NUMERIC);
    CHECK_NUM(few, 0, NAN);
    CHECK_NUM(few, 39, 39);
    frame_free(f);
    /* Declared categorical: the labels stay. */
    const xp_type_override cat[] = { { "runtime", XP_COL_CATEGORICAL } };
    f = load((req){ .file = "strays.csv", .types = cat, .n_types = 1 });
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(level_of(col(f, "runtime"), 4), "unknown");
        frame_free(f);
    }
}

/* Types forced by a trained model (runner predict reading new rows as the training frame):
 * what they cannot hold reads as missing, as the training file's strays did, where the same
 * type from data.types is an error; a column with none of its values of the type is refused
 * as another column than the model's. */
static void test_schema_types(void)
{
    const xp_type_override codes[] = { { "codes", XP_COL_NUMERIC } };
    xp_frame *f = load((req){ .file = "strays.csv", .types = codes, .n_types = 1, .n_schema_types = 1 });
    CHECK(f != NULL);
    if (f) {
        xp_column *c = col(f, "codes");
        CHECK_EQ_INT(c->type, XP_COL_NUMERIC);
        size_t missing = 0;
        for (size_t r = 0; r < f->n_rows; r++) missing += isnan(c->num[r]);
        CHECK_EQ_INT(missing, 8);
        CHECK_NUM(c, 1, 1);
        frame_free(f);
    } else fprintf(stderr, "%s\n", err_);
    load_fails((req){ .file = "strays.csv", .types = codes, .n_types = 1 }, XP_EFORMAT,
               "strays.csv:2: column 'codes' (field 2): 'X' is not a number, but data.types forces the column to numeric");
    /* data.types' own entry (first) stays strict next to a schema entry (last). */
    const xp_type_override both[] = { { "codes", XP_COL_NUMERIC }, { "runtime", XP_COL_NUMERIC } };
    load_fails((req){ .file = "strays.csv", .types = both, .n_types = 2, .n_schema_types = 1 }, XP_EFORMAT,
               "'X' is not a number, but data.types forces");
    const xp_type_override flag[] = { { "flag", XP_COL_BOOL } };
    f = load((req){ .file = "schema_types.csv", .types = flag, .n_types = 1, .n_schema_types = 1 });
    CHECK(f != NULL);
    if (f) {
        xp_column *c = col(f, "flag");
        CHECK_EQ_INT(c->type, XP_COL_BOOL);
        CHECK_NUM(c, 5, NAN);
        CHECK_NUM(c, 6, 0);
        CHECK_NUM(c, 7, 1);
        frame_free(f);
    } else fprintf(stderr, "%s\n", err_);
    const xp_type_override colour[] = { { "colour", XP_COL_NUMERIC } };
    load_fails((req){ .file = "schema_types.csv", .types = colour, .n_types = 1, .n_schema_types = 1 }, XP_EFORMAT,
               "schema_types.csv:2: column 'colour' (field 2) was numeric in the training file, but none of its 24 "
               "values here is (first: 'red'): is it the same column?");
    /* From 5 values on, none of the type is an error; 4 labels may be a few rows of strays. */
    load_fails((req){ .file = "schema_types.csv", .types = colour, .n_types = 1, .n_schema_types = 1, .nrows = 5 },
               XP_EFORMAT, "but none of its 5 values here is");
    f = load((req){ .file = "schema_types.csv", .types = colour, .n_types = 1, .n_schema_types = 1, .nrows = 4 });
    CHECK(f != NULL);
    if (f) {
        CHECK_NUM(col(f, "colour"), 0, NAN);
        frame_free(f);
    }
    const xp_type_override too_many[] = { { "colour", XP_COL_NUMERIC } };
    load_fails((req){ .file = "schema_types.csv", .types = too_many, .n_types = 1, .n_schema_types = 2 }, XP_EINVAL,
               "n_schema_types 2 is more than n_types 1");
}

/* encoding: cp1252 (or a Latin-1 label): Windows-1252 bytes become UTF-8 (the euro sign and
 * curly quotes from 0x80-0x9F); without it the first such byte is an error that names the
 * option; an unknown encoding is a config error. */
static void test_encoding(void)
{
    static const char *const labels[] = { "encoding: cp1252\n", "encoding: Latin1\n", "encoding: windows-1252\n" };
    for (size_t k = 0; k < 3; k++) {
        xp_frame *f = load((req){ .file = "cp1252.csv", .options = labels[k] });
        CHECK(f != NULL);
        if (!f) { fprintf(stderr, "%s\n", err_); continue; }
        xp_column *name = col(f, "name");
        CHECK_EQ_INT(name->type, XP_COL_TEXT);
        if (name->type == XP_COL_TEXT) {
            CHECK_STR(name->text[0], "caf\xc3\xa9");
            CHECK_STR(name->text[1], "\xe2\x82\xac 5");
            CHECK_STR(name->text[2], "\xe2\x80\x9chi\xe2\x80\x9d");
            CHECK_STR(name->text[3], "plain");
        }
        CHECK_NUM(col(f, "price"), 3, 4);
        frame_free(f);
    }
    load_fails((req){ .file = "cp1252.csv" }, XP_EFORMAT, "cp1252.csv:2:4: invalid UTF-8 byte 0xe9");
    load_fails((req){ .file = "cp1252.csv" }, XP_EFORMAT, "++data.options.encoding=cp1252");
    load_fails((req){ .file = "cp1252.csv", .options = "encoding: ebcdic\n" }, XP_ECONFIG, "encoding must be utf-8 or cp1252");
    xp_frame *f = load((req){ .file = "basic.csv", .options = "encoding: utf-8\n" });
    CHECK(f != NULL);
    if (f) frame_free(f);
}

static void test_overrides(void)
{
    const xp_type_override types[] = {
        { "code", XP_COL_CATEGORICAL }, { "desc", XP_COL_TEXT }, { "pref", XP_COL_TEXT },
        { "f", XP_COL_TEXT }, { "mixed", XP_COL_BOOL }, { "i", XP_COL_CATEGORICAL },
    };
    xp_frame *f = load((req){ .file = "types.csv", .types = types, .n_types = 6 });
    CHECK(f != NULL);
    if (!f) { fprintf(stderr, "%s\n", err_); return; }
    xp_column *code = col(f, "code");
    CHECK_EQ_INT(code->type, XP_COL_CATEGORICAL);
    CHECK_EQ_INT(code->n_levels, 3);
    if (code->n_levels == 3) {               /* numbers sort by value */
        CHECK_STR(code->levels[0], "-2");
        CHECK_STR(code->levels[1], "1");
        CHECK_STR(code->levels[2], "4");
    }
    CHECK_STR(level_of(code, 0), "1");
    CHECK_STR(level_of(code, 1), "-2");
    CHECK_EQ_INT(code->codes[3], -1);
    xp_column *pref = col(f, "pref");
    CHECK_EQ_INT(pref->type, XP_COL_TEXT);
    CHECK_STR(pref->text[4], "nr_1");
    xp_column *fl = col(f, "f");
    CHECK_EQ_INT(fl->type, XP_COL_TEXT);
    CHECK_STR(fl->text[2], "3e2");           /* text keeps what was written */
    xp_column *mixed = col(f, "mixed");
    CHECK_EQ_INT(mixed->type, XP_COL_BOOL);
    for (int r = 0; r < 12; r++) CHECK_NUM(mixed, r, (r % 4) < 2 ? 1 : 0);
    xp_column *i = col(f, "i");
    CHECK_EQ_INT(i->type, XP_COL_CATEGORICAL);
    CHECK_EQ_INT(i->n_levels, 12);
    CHECK_STR(i->levels[0], "-5");
    CHECK_STR(level_of(i, 11), "28");
    frame_free(f);

    /* Overrides that cannot be honoured name file, line, column and value. */
    const xp_type_override num_b[] = { { "b", XP_COL_NUMERIC } };
    load_fails((req){ .file = "force_bad.csv", .types = num_b, .n_types = 1 }, XP_EFORMAT,
               "force_bad.csv:5: column 'b' (field 2): 'x7' is not a number");
    /* ...unless the value is a configured missing token. */
    f = load((req){ .file = "force_bad.csv", .types = num_b, .n_types = 1,
                    .options = "na_values: [x7, \"-\"]\n" });
    CHECK(f != NULL);
    if (f) {
        CHECK_NUM(col(f, "b"), 3, NAN);
        CHECK_NUM(col(f, "b"), 4, 10);
        frame_free(f);
    }
    const xp_type_override bool_b[] = { { "b", XP_COL_BOOL } };
    load_fails((req){ .file = "force_bad.csv", .types = bool_b, .n_types = 1 }, XP_EFORMAT,
               "force_bad.csv:2: column 'b' (field 2): '2' is not a bool");
    const xp_type_override num_bool[] = { { "b", XP_COL_NUMERIC } };
    load_fails((req){ .file = "types.csv", .types = num_bool, .n_types = 1 }, XP_EFORMAT,
               "types.csv:2: column 'b' (field 3): 'True' is not a number");
    /* The line of a field after a quoted newline (and an escaped quote) is exact. */
    load_fails((req){ .file = "force_line.csv", .types = num_b, .n_types = 1 }, XP_EFORMAT,
               "force_line.csv:3: column 'b'");
    const xp_type_override unknown[] = { { "nope", XP_COL_TEXT } };
    load_fails((req){ .file = "types.csv", .types = unknown, .n_types = 1 }, XP_ENOTFOUND,
               "types: column 'nope' not found");
}

static void test_select(void)
{
    const char *drop[] = { "note", "color" };
    xp_frame *f = load((req){ .file = "basic.csv", .target = "target", .drop = drop, .n_drop = 2 });
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_INT(f->n_cols, 5);
        CHECK(frame_find(f, "note") == NULL);
        CHECK(frame_find(f, "color") == NULL);
        CHECK_STR(f->cols[4]->name, "target");
        frame_free(f);
    }
    f = load((req){ .file = "basic.csv", .nrows = 2 });
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_INT(f->n_rows, 2);
        CHECK_NUM(col(f, "price"), 1, -2);
        CHECK_EQ_INT(f->row_id[1], 1);
        frame_free(f);
    }
    f = load((req){ .file = "basic.csv", .nrows = 1000 });
    CHECK(f != NULL);
    if (f) { CHECK_EQ_INT(f->n_rows, 6); frame_free(f); }
    /* nrows stops before a bad row further down. */
    f = load((req){ .file = "ragged.csv", .nrows = 2 });
    CHECK(f != NULL);
    if (f) { CHECK_EQ_INT(f->n_rows, 2); frame_free(f); }

    load_fails((req){ .file = "basic.csv", .target = "targte" }, XP_ENOTFOUND,
               "basic.csv: target column 'targte' not found (did you mean 'target'?)");
    load_fails((req){ .file = "basic.csv", .target = "price_usd" }, XP_ENOTFOUND,
               "the file's columns are: id, price, ratio, flag, color, note, target");
    const char *bad_drop[] = { "colour" };
    load_fails((req){ .file = "basic.csv", .drop = bad_drop, .n_drop = 1 }, XP_ENOTFOUND,
               "drop: column 'colour' not found (did you mean 'color'?)");
    const char *drop_target[] = { "target" };
    load_fails((req){ .file = "basic.csv", .target = "target", .drop = drop_target, .n_drop = 1 },
               XP_EINVAL, "both the target and dropped");
    load_fails((req){ .file = "basic.csv", .nrows = -1 }, XP_EINVAL, "nrows");
    f = load((req){ .file = "unnamed.csv" });
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->cols[0]->name, "unnamed_0");
        CHECK_NUM(col(f, "x"), 1, 6);
        frame_free(f);
    }
}

static void test_options(void)
{
    const char *opts[] = { "delimiter: \"\\t\"\n", "delimiter: tab\n" };
    for (int k = 0; k < 2; k++) {
        xp_frame *f = load((req){ .file = "tabs.tsv", .options = opts[k] });
        CHECK(f != NULL);
        if (!f) { fprintf(stderr, "%s\n", err_); continue; }
        CHECK_EQ_INT(f->n_cols, 3);
        CHECK_NUM(col(f, "c"), 1, 3.5);
        CHECK_STR(col(f, "b")->text[1], "z,w");
        frame_free(f);
    }
    xp_frame *f = load((req){ .file = "basic.csv", .options = "delimiter: \";\"\nquote: \"'\"\n" });
    CHECK(f != NULL);
    if (f) { CHECK_EQ_INT(f->n_cols, 1); frame_free(f); }   /* no ';' in the file */
    load_fails((req){ .file = "basic.csv", .options = "delimiter: \";;\"\n" }, XP_ECONFIG,
               "delimiter must be one ASCII character");
    load_fails((req){ .file = "basic.csv", .options = "delimiter: \"'\"\nquote: \"'\"\n" },
               XP_ECONFIG, "delimiter and quote");
    load_fails((req){ .file = "basic.csv", .options = "max_level_ratio: 0\n" }, XP_ECONFIG,
               "max_level_ratio must be in (0, 1]");
    load_fails((req){ .file = "basic.csv", .options = "max_levels: -3\n" }, XP_ECONFIG,
               "max_levels");
    load_fails((req){ .file = "basic.csv", .options = "na_values: {a: 1}\n" }, XP_ECONFIG,
               "na_values");
}

/* Writes `text` to a temp file; returns its path (static buffer per slot). */
static const char *temp_csv(int slot, const char *text)
{
    static char paths[4][64];
    snprintf(paths[slot], sizeof paths[slot], "/tmp/xp_csv_delim_%d_%d.csv", (int)getpid(), slot);
    FILE *f = fopen(paths[slot], "w");
    CHECK(f != NULL);
    if (!f) return paths[slot];
    CHECK(fputs(text, f) >= 0);
    CHECK(fclose(f) == 0);
    return paths[slot];
}

/* No `delimiter` option: ; tab | are detected; comma stays the default whenever it fits. */
static void test_delimiter_detect(void)
{
    static const struct { const char *text; int cols; } cases[] = {
        { "x;y;name\n1;2,5;\"a;b\"\n3;4;c\n", 3 },     /* a decimal comma is no delimiter */
        { "x\ty\n1\t2\n3\t4\n", 2 },
        { "x|y\n1|2\n3|4\n", 2 },
        { "x,y;z\n1,2;3\n4,5;6\n", 2 },                /* both fit: comma wins */
        { "x,y\n\"multi\nline\",2\n3,4\n", 2 },        /* quoted newline is no line end */
        { "only\n1\n2\n", 1 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *path = temp_csv(0, cases[k].text);
        xp_frame *f = load((req){ .file = path });
        CHECK(f != NULL);
        if (!f) { fprintf(stderr, "case %zu: %s\n", k, err_); continue; }
        if ((int)f->n_cols != cases[k].cols) fprintf(stderr, "case %zu: %zu columns\n", k, f->n_cols);
        CHECK_EQ_INT(f->n_cols, cases[k].cols);
        frame_free(f);
        unlink(path);
    }
    /* Semicolons: "2,5" is a decimal comma (a comma-decimal spreadsheet's export; until
     * 2026-12-05 it stayed a string). */
    const char *path = temp_csv(1, "x;y\n1;2,5\n3;4\n");
    xp_frame *f = load((req){ .file = path, .target = "x" });
    CHECK(f != NULL);
    if (f) {
        CHECK_NUM(col(f, "x"), 1, 3);
        CHECK_EQ_INT(col(f, "y")->type, XP_COL_NUMERIC);
        CHECK_NUM(col(f, "y"), 0, 2.5);
        CHECK_NUM(col(f, "y"), 1, 4);
        frame_free(f);
    }
    /* A declared delimiter that is wrong: the message says the header is one column and
     * names the option. */
    load_fails((req){ .file = path, .options = "delimiter: \",\"\n", .target = "x" },
               XP_ENOTFOUND, "data.options.delimiter");
    unlink(path);
}

/* Not text at all: said by what it is (from its first bytes), not as a NUL byte at a line. */
static void test_not_csv(void)
{
    static const struct { const char *bytes, *msg; } cases[] = {
        { "PK\x03\x04\x14\x01xl/workbook.xml", "not a CSV file: a zip archive (an Excel .xlsx workbook is one)" },
        { "\xD0\xCF\x11\xE0\xA1\xB1", "an old Excel .xls workbook" },
        { "\x1F\x8B\x08", "gzip-compressed" },
        { "PAR1\x15\x04", "a Parquet file" },
        { "SQLite format 3", "an SQLite database" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *path = temp_csv(2, cases[k].bytes);
        load_fails((req){ .file = path }, XP_EFORMAT, cases[k].msg);
        unlink(path);
    }
    /* A CSV whose first field merely starts like one of them is still a CSV. */
    const char *path = temp_csv(2, "PK,x\n1,2\n");
    xp_frame *f = load((req){ .file = path });
    CHECK(f != NULL);
    if (f) frame_free(f);
    unlink(path);
}

static void test_errors(void)
{
    load_fails((req){ .file = "ragged.csv" }, XP_EFORMAT, "ragged.csv:4: expected 3 fields, got 2");
    load_fails((req){ .file = "ragged_more.csv" }, XP_EFORMAT,
               "ragged_more.csv:7: expected 3 fields, got 4");
    load_fails((req){ .file = "unterminated.csv" }, XP_EFORMAT,
               "unterminated.csv:3:3: unterminated quoted field");
    load_fails((req){ .file = "after_quote.csv" }, XP_EFORMAT,
               "after_quote.csv:2:7: unexpected character 'c' after the closing quote");
    load_fails((req){ .file = "bad_utf8.csv" }, XP_EFORMAT,
               "bad_utf8.csv:3:4: invalid UTF-8 byte 0xff");
    load_fails((req){ .file = "overlong.csv" }, XP_EFORMAT, "overlong.csv:2:3: invalid UTF-8 byte 0xc0");
    load_fails((req){ .file = "truncated_utf8.csv" }, XP_EFORMAT,
               "truncated_utf8.csv:2:3: invalid UTF-8 byte 0xe2");
    load_fails((req){ .file = "nul.csv" }, XP_EFORMAT, "nul.csv:2:3: NUL byte");
    load_fails((req){ .file = "utf16.csv" }, XP_EFORMAT, "UTF-16");
    load_fails((req){ .file = "empty.csv" }, XP_EFORMAT, "empty.csv: empty file");
    load_fails((req){ .file = "blank_only.csv" }, XP_EFORMAT, "empty file");
    load_fails((req){ .file = "bom_only.csv" }, XP_EFORMAT, "empty file");
    load_fails((req){ .file = "header_only.csv" }, XP_EFORMAT, "header_only.csv: no data rows");
    load_fails((req){ .file = "dup_header.csv" }, XP_EFORMAT,
               "dup_header.csv:1: duplicate column name 'b' (columns 2 and 4)");
    load_fails((req){ .file = "no_such_file.csv" }, XP_EIO, "no_such_file.csv: cannot open");
    load_fails((req){ .file = "/" }, XP_EIO, "is a directory");
}

/* ------------------------------------------------------------------ round trip */

static uint64_t rs = 42;
static uint64_t rnd(void)
{
    uint64_t z = (rs += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Writes a file of random doubles (several print formats) and awkward strings, reads it
 * back and compares every value exactly. */
static void test_round_trip(void)
{
    enum { ROWS = 3000 };
    char path[] = "/tmp/xp_csv_rt_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    FILE *fp = fdopen(fd, "w");
    static double x[ROWS], y[ROWS];
    static char s[ROWS][48];
    static const char *pieces[] = { "a", ",", "\"", "\n", "\r\n", " ", "\xc3\xa9", "x y", "''" };
    fputs("x,s,y\r\n", fp);
    for (int i = 0; i < ROWS; i++) {
        uint64_t bits = rnd();
        double d;
        memcpy(&d, &bits, 8);
        if (!isfinite(d)) d = (double)(int64_t)bits;
        if (i % 3 == 1) d = (double)(rnd() % 2000000) / 100.0 - 5000;   /* plain decimals */
        x[i] = d;
        y[i] = (double)(int64_t)(rnd() % 100000) - 50000;
        s[i][0] = '\0';
        int n = 1 + (int)(rnd() % 5);
        for (int k = 0; k < n; k++) strcat(s[i], pieces[rnd() % 9]);
        fprintf(fp, i % 3 == 0 ? "%.17g," : i % 3 == 1 ? "%.2f," : "%.15e,", d);
        fputc('"', fp);
        for (const char *p = s[i]; *p; p++) {
            if (*p == '"') fputc('"', fp);
            fputc(*p, fp);
        }
        fprintf(fp, "\",%.0f%s", y[i], i % 2 ? "\n" : "\r\n");
    }
    fclose(fp);
    /* Forced text: with random content the distinct count alone would decide it. */
    const xp_type_override text_s[] = { { "s", XP_COL_TEXT } };
    xp_frame *f = load((req){ .file = path, .types = text_s, .n_types = 1 });
    remove(path);
    CHECK(f != NULL);
    if (!f) { fprintf(stderr, "%s\n", err_); return; }
    CHECK_EQ_INT(f->n_rows, ROWS);
    xp_column *cx = col(f, "x"), *cs = col(f, "s"), *cy = col(f, "y");
    CHECK_EQ_INT(cx->type, XP_COL_NUMERIC);
    CHECK_EQ_INT(cs->type, XP_COL_TEXT);
    int bad = 0;
    for (int i = 0; i < ROWS; i++) {
        char want[64];
        /* What the writer printed, parsed back by strtod: the loader must match its bits. */
        snprintf(want, sizeof want, i % 3 == 0 ? "%.17g" : i % 3 == 1 ? "%.2f" : "%.15e", x[i]);
        double w = strtod(want, NULL);
        if (memcmp(&w, &cx->num[i], 8) != 0 || cy->num[i] != y[i]) bad++;
        /* Only whitespace-only strings are missing; anything else must come back intact. */
        int blank = strspn(s[i], " ") == strlen(s[i]);
        if (blank ? cs->text[i] != NULL : (!cs->text[i] || strcmp(cs->text[i], s[i]) != 0)) {
            if (bad++ < 5) fprintf(stderr, "row %d: string differs\n", i);
        }
    }
    CHECK_EQ_INT(bad, 0);
    frame_free(f);
}

/* ------------------------------------------------------------------ robustness */

static size_t read_fixture(const char *name, char *buf, size_t cap)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", CSV_FIXTURES, name);
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    size_t n = fread(buf, 1, cap, fp);
    fclose(fp);
    return n;
}

/* Mutated fixtures (bytes flipped, deleted, duplicated; quotes, delimiters, line ends, NUL
 * and UTF-8 lead bytes inserted; truncation): every load must either succeed with a
 * consistent frame or fail with a message that names the file. Under -fsanitize this is
 * also the memory-safety check of the tokenizer on hostile input. */
static void test_mutations(void)
{
    static const char *seeds[] = { "basic.csv", "quoting.csv", "crlf.csv", "bom.csv",
                                   "types.csv", "missing.csv" };
    static const char inserts[] = { '"', ',', '\n', '\r', '\0', (char)0xC3, (char)0xA9,
                                     (char)0xFF, 'e', '-', '.', ' ' };
    int ok = 0, failed = 0, bad = 0;
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        char orig[4096];
        size_t n0 = read_fixture(seeds[k], orig, sizeof orig);
        CHECK(n0 > 0);
        for (int m = 0; m < 400; m++) {
            char buf[8192];
            size_t n = n0;
            memcpy(buf, orig, n);
            int edits = 1 + (int)(rnd() % 4);
            for (int e = 0; e < edits && n > 0; e++) {
                size_t at = (size_t)(rnd() % n);
                switch (rnd() % 5) {
                case 0: buf[at] = (char)(rnd() & 0xFF); break;
                case 1: memmove(buf + at, buf + at + 1, n - at - 1); n--; break;
                case 2:
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = inserts[rnd() % sizeof inserts];
                    n++;
                    break;
                case 3: n = at; break;
                default:
                    memmove(buf + at + 1, buf + at, n - at);
                    n++;
                    break;
                }
            }
            /* A new file each time: rewriting one file in place makes ext4 wait for the
             * previous version's writeback on every truncate. */
            char path[] = "/tmp/xp_csv_mut_XXXXXX";
            int fd = mkstemp(path);
            CHECK(fd >= 0);
            if (fd < 0) return;
            FILE *fp = fdopen(fd, "wb");
            if (!fp) { close(fd); remove(path); return; }
            fwrite(buf, 1, n, fp);
            fclose(fp);
            xp_frame *f = load((req){ .file = path });
            remove(path);
            if (f) {
                ok++;
                int consistent = f->n_rows > 0 && f->n_cols > 0;
                for (size_t j = 0; j < f->n_cols; j++) {
                    const xp_column *c = f->cols[j];
                    for (size_t i = 0; i < f->n_rows && c->type == XP_COL_CATEGORICAL; i++)
                        if (c->codes[i] < -1 || c->codes[i] >= (int32_t)c->n_levels) consistent = 0;
                }
                if (!consistent) bad++;
                frame_free(f);
            } else {
                failed++;
                if (rc_ >= 0 || !strstr(err_, path)) {
                    if (bad++ < 5) fprintf(stderr, "mutation error without the path: %s\n", err_);
                }
            }
        }
    }
    fprintf(stderr, "mutations: %d loaded, %d rejected\n", ok, failed);
    CHECK_EQ_INT(bad, 0);
    CHECK(ok > 100 && failed > 100);   /* both outcomes were exercised */
}

int main(void)
{
    env.verbosity = getenv("XP_TEST_VERBOSE") ? XP_LOG_DEBUG : XP_LOG_ERROR;
    void *so = dlopen(CSV_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    if (!so) {
        fprintf(stderr, "cannot load %s: %s\n", CSV_PLUGIN_PATH, dlerror());
        return 1;
    }
    xp_plugin_entry_fn entry;
    *(void **)&entry = dlsym(so, XP_PLUGIN_ENTRY_SYMBOL);
    CHECK(entry != NULL);
    if (!entry) return check_done();
    const xp_plugin_list *list = entry();
    CHECK_EQ_INT(list->abi_version, XP_ABI_VERSION);
    CHECK_EQ_INT(list->count, 1);
    const xp_plugin *p = list->plugins[0];
    CHECK_EQ_INT(p->kind, XP_KIND_LOADER);
    CHECK_STR(p->name, "csv");
    ops = p->ops;
    CHECK_EQ_INT(ops->struct_size, sizeof(xp_loader_ops));
    /* Only the entry point is exported. */
    CHECK(dlsym(so, "csv_classify") == NULL);

    test_basic();
    test_quoting();
    test_quoted_header();
    test_line_ends();
    test_bom_utf8();
    test_missing();
    test_inference();
    test_formatted();
    test_strays();
    test_schema_types();
    test_encoding();
    test_not_csv();
    test_delimiter_detect();
    test_overrides();
    test_select();
    test_options();
    test_errors();
    test_round_trip();
    test_mutations();
    dlclose(so);
    return check_done();
}
