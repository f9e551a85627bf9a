/* test_tokens.c — the `tokens` encoder through the real host: vocabulary fitted on training
 * rows only (ordered by count, ties by bytes), unknown ids on validation rows, padding and
 * truncation to max_len, min_count / max_vocab / split_hyphens, the levels naming the ids,
 * distinct texts sharing one vector, missing texts, the record and config errors; `as: counts`
 * and `as: binary` (a NUMERIC column per vocabulary word); `all_text` (every TEXT feature
 * column, a vocabulary each); a long column name with quotes and
 * backslashes stored whole in the record.
 *
 *     ./test_tokens path/to/tokens.so
 */
#include "check.h"
#include "../text_glove/enc_harness.h"

static xp_frame *named_text_frame(const char *name, const char *const *t, size_t n)
{
    xp_frame *f = frame_new(n);
    xp_column *c = fr_col(f, name, XP_COL_TEXT, XP_ROLE_IGNORE);
    for (size_t i = 0; i < n; i++) col_set_text(c, i, t[i]);
    return f;
}

static xp_frame *text_frame(const char *const *t, size_t n)
{
    return named_text_frame("description", t, n);
}

static void check_ids(const xp_column *c, size_t row, const int *want, size_t n)
{
    const float *v = enc_vec(c, row);
    CHECK(v != NULL);
    if (!v) return;
    for (size_t j = 0; j < n; j++) {
        CHECK_NEAR(v[j], want[j], 0);
        if (v[j] != (float)want[j]) fprintf(stderr, "  (row %zu, position %zu)\n", row, j);
    }
}

static const char *train_text[] = { "Carbon-Fiber Hull Panel", "hull panel", "hull", NULL,
                                    "ion thruster's hull", "hull panel" };

static void test_vocabulary(const char *so)
{
    txh h;
    if (enc_open(&h, so, "tokens")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "column: description\nmax_len: 4\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *v0 = text_frame(train_text, 1);
    CHECK_EQ_INT(txh_apply(&h, v0), XP_EINVAL);           /* no vocabulary yet */
    CHECK_CONTAINS(h.call.msg, "fit");
    frame_free(v0);
    xp_frame *t = text_frame(train_text, 6);
    CHECK_EQ_INT(txh_fit_apply(&h, t), XP_OK);
    const xp_column *c = frame_find(t, "description_tokens");
    CHECK(c && c->type == XP_COL_VECTOR && c->role == XP_ROLE_FEATURE && c->dim == 4);
    if (!c) { frame_free(t); txh_close(&h); return; }
    /* hull 5, panel 3, then count 1 by bytes: carbon fiber ion thruster */
    const char *levels[] = { "<pad>", "<unk>", "hull", "panel", "carbon", "fiber", "ion", "thruster" };
    CHECK_EQ_INT(c->n_levels, 8);
    for (size_t k = 0; k < 8 && k < c->n_levels; k++) CHECK_STR(c->levels[k], levels[k]);
    check_ids(c, 0, (int[]){ 4, 5, 2, 3 }, 4);
    check_ids(c, 1, (int[]){ 2, 3, 0, 0 }, 4);
    check_ids(c, 2, (int[]){ 2, 0, 0, 0 }, 4);
    CHECK_EQ_INT(c->vec_row[3], -1);
    check_ids(c, 4, (int[]){ 6, 7, 2, 0 }, 4);             /* possessive dropped */
    CHECK_EQ_INT(c->vec_row[5], c->vec_row[1]);            /* same text, same vector */
    CHECK_EQ_INT(c->vectors->count, 4);
    char *rec = txh_record(&h, "tokens");
    CHECK(rec && strcmp(rec, "INVALID JSON") != 0);
    free(rec);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json,'$.vocabulary') FROM xp_records"), 6, 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json,'$.tokens') FROM xp_records"), 12, 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json,'$.unknown_share') FROM xp_records"), 0, 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json,'$.longest') FROM xp_records"), 4, 0);

    /* Validation rows: the training vocabulary; new words are unknown (1); longer texts cut. */
    const char *vt[] = { "zork hull", "Panel", "thruster thruster thruster thruster thruster",
                         "--- ...", "ION" };
    xp_frame *v = text_frame(vt, 5);
    CHECK_EQ_INT(txh_apply(&h, v), XP_OK);
    c = frame_find(v, "description_tokens");
    check_ids(c, 0, (int[]){ 1, 2, 0, 0 }, 4);
    check_ids(c, 1, (int[]){ 3, 0, 0, 0 }, 4);
    check_ids(c, 2, (int[]){ 7, 7, 7, 7 }, 4);
    CHECK_EQ_INT(c->vec_row[3], -1);                       /* no word at all */
    check_ids(c, 4, (int[]){ 6, 0, 0, 0 }, 4);
    CHECK_EQ_INT(c->n_levels, 8);                          /* every frame carries the levels */
    CHECK_EQ_INT(txh_apply(&h, v), XP_EINVAL);             /* output exists */
    frame_free(v);
    frame_free(t);
    txh_close(&h);
}

static void test_options(const char *so)
{
    txh h;
    if (enc_open(&h, so, "tokens")) { CHECK(0); return; }
    /* min_count 2: only hull and panel */
    CHECK_EQ_INT(txh_create(&h, "column: description\nout: toks\nmin_count: 2\nmax_len: 2\n"), XP_OK);
    xp_frame *t = text_frame(train_text, 6);
    CHECK_EQ_INT(txh_fit_apply(&h, t), XP_OK);
    const xp_column *c = frame_find(t, "toks");
    CHECK(c && c->n_levels == 4 && c->dim == 2);
    if (c) check_ids(c, 0, (int[]){ 1, 1 }, 2);            /* carbon fiber (cut at 2) */
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json,'$.unknown_share') FROM xp_records "
                               "ORDER BY id DESC LIMIT 1"), 4.0 / 12, 1e-6);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json,'$.rows_over_max_len') FROM xp_records "
                               "ORDER BY id DESC LIMIT 1"), 2, 0);
    frame_free(t);
    /* max_vocab 1 */
    CHECK_EQ_INT(txh_create(&h, "column: description\nmax_vocab: 1\n"), XP_OK);
    t = text_frame(train_text, 6);
    CHECK_EQ_INT(txh_fit_apply(&h, t), XP_OK);
    c = frame_find(t, "description_tokens");
    CHECK(c && c->n_levels == 3 && c->dim == 16);
    if (c) check_ids(c, 1, (int[]){ 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 16);
    frame_free(t);
    /* split_hyphens false, lowercase false */
    CHECK_EQ_INT(txh_create(&h, "column: description\nsplit_hyphens: false\nlowercase: false\n"
                                "max_len: 3\nmax_vocab: 0\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    t = text_frame(train_text, 6);
    CHECK_EQ_INT(txh_fit_apply(&h, t), XP_OK);
    c = frame_find(t, "description_tokens");
    /* hull 4, panel 2, Carbon-Fiber 1, Hull 1, Panel 1, ion 1, thruster 1 (bytes: upper first) */
    const char *levels[] = { "<pad>", "<unk>", "hull", "panel", "Carbon-Fiber", "Hull", "Panel", "ion", "thruster" };
    CHECK(c && c->n_levels == 9);
    for (size_t k = 0; c && k < 9 && k < c->n_levels; k++) CHECK_STR(c->levels[k], levels[k]);
    if (c) check_ids(c, 0, (int[]){ 4, 5, 6 }, 3);
    frame_free(t);
    /* Refit replaces the vocabulary. */
    const char *t2[] = { "ion ion" };
    t = text_frame(t2, 1);
    CHECK_EQ_INT(txh_fit_apply(&h, t), XP_OK);
    c = frame_find(t, "description_tokens");
    CHECK(c && c->n_levels == 3 && strcmp(c->levels[2], "ion") == 0);
    frame_free(t);

    CHECK_EQ_INT(txh_create(&h, "column: description\nmax_len: 0\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "max_len");
    CHECK_EQ_INT(txh_create(&h, "column: description\nmin_count: 0\n"), XP_ECONFIG);
    CHECK_EQ_INT(txh_create(&h, "column: description\nmax_vocab: -1\n"), XP_ECONFIG);
    CHECK_EQ_INT(txh_create(&h, "max_len: 4\n"), XP_ECONFIG);          /* column required */
    CHECK_EQ_INT(txh_create(&h, "column: nope\n"), XP_OK);
    t = text_frame(t2, 1);
    CHECK_EQ_INT(txh_fit(&h, t), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "nope");
    frame_free(t);
    /* A column name that needs escaping still gives a valid JSON record. */
    CHECK_EQ_INT(txh_create(&h, "column: 'a\"b'\n"), XP_OK);
    t = frame_new(1);
    col_set_text(fr_col(t, "a\"b", XP_COL_TEXT, XP_ROLE_FEATURE), 0, "hull");
    CHECK_EQ_INT(txh_fit_apply(&h, t), XP_OK);
    char *rec = txh_record(&h, "tokens");
    CHECK(rec && strcmp(rec, "INVALID JSON") != 0);
    CHECK_CONTAINS(rec, "a\\\"b_tokens");
    free(rec);
    frame_free(t);
    /* An empty training frame: empty vocabulary, everything unknown. */
    CHECK_EQ_INT(txh_create(&h, "column: description\nmax_len: 2\n"), XP_OK);
    t = text_frame(NULL, 0);
    CHECK_EQ_INT(txh_fit_apply(&h, t), XP_OK);
    frame_free(t);
    const char *t3[] = { "hull" };
    t = text_frame(t3, 1);
    CHECK_EQ_INT(txh_apply(&h, t), XP_OK);
    c = frame_find(t, "description_tokens");
    CHECK(c && c->n_levels == 2);
    if (c) check_ids(c, 0, (int[]){ 1, 0 }, 2);
    frame_free(t);
    txh_close(&h);
}

/* as: counts / binary — one NUMERIC column per training-vocabulary word. */
static void test_word_columns(const char *so)
{
    txh h;
    if (enc_open(&h, so, "tokens")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "column: description\nas: counts\nmin_count: 2\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *t = text_frame(train_text, 6);
    size_t before = t->n_cols;
    CHECK_EQ_INT(txh_fit_apply(&h, t), XP_OK);
    CHECK_EQ_INT(t->n_cols, before + 2);                   /* hull (5 rows), panel (3) */
    const xp_column *hull = frame_find(t, "description_hull"), *panel = frame_find(t, "description_panel");
    CHECK(hull && panel && hull->type == XP_COL_NUMERIC && hull->role == XP_ROLE_FEATURE);
    CHECK(frame_find(t, "description_tokens") == NULL);
    if (!hull || !panel) { frame_free(t); txh_close(&h); return; }
    double want_hull[] = { 1, 1, 1, NAN, 1, 1 }, want_panel[] = { 1, 1, 0, NAN, 0, 1 };
    for (size_t r = 0; r < 6; r++) {
        if (isnan(want_hull[r])) { CHECK(isnan(hull->num[r]) && isnan(panel->num[r])); continue; }
        CHECK_NEAR(hull->num[r], want_hull[r], 0);
        CHECK_NEAR(panel->num[r], want_panel[r], 0);
    }
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json,'$.vocabulary') FROM xp_records"), 2, 0);
    char *rec = txh_sql(&h, "SELECT json_extract(json,'$.as') FROM xp_records WHERE kind = 'tokens'");
    CHECK_STR(rec, "counts");
    free(rec);
    /* Validation rows: counts of the training words only; no word at all -> zeros. */
    const char *vt[] = { "hull hull HULL panel zork", "--- ...", "ion" };
    xp_frame *v = text_frame(vt, 3);
    CHECK_EQ_INT(txh_apply(&h, v), XP_OK);
    hull = frame_find(v, "description_hull");
    panel = frame_find(v, "description_panel");
    CHECK(hull && panel && v->n_cols == 3);
    if (hull && panel) {
        CHECK_NEAR(hull->num[0], 3, 0);
        CHECK_NEAR(panel->num[0], 1, 0);
        CHECK_NEAR(hull->num[1], 0, 0);
        CHECK_NEAR(hull->num[2], 0, 0);
    }
    CHECK_EQ_INT(txh_apply(&h, v), XP_EINVAL);             /* the word columns exist */
    CHECK_CONTAINS(h.call.msg, "description_hull");
    frame_free(v);
    frame_free(t);

    /* binary with a prefix: presence, not counts */
    CHECK_EQ_INT(txh_create(&h, "column: description\nas: binary\nprefix: 'w:'\nmax_vocab: 1\n"), XP_OK);
    t = text_frame(train_text, 6);
    CHECK_EQ_INT(txh_fit(&h, t), XP_OK);
    frame_free(t);
    v = text_frame(vt, 3);
    CHECK_EQ_INT(txh_apply(&h, v), XP_OK);
    hull = frame_find(v, "w:hull");
    CHECK(hull && v->n_cols == 2 && frame_find(v, "w:panel") == NULL);
    if (hull) CHECK_NEAR(hull->num[0], 1, 0);
    frame_free(v);

    /* absent: missing — NaN where a word is absent (sparse for trees); a count where present */
    CHECK_EQ_INT(txh_create(&h, "column: description\nas: counts\nmin_count: 2\nabsent: missing\n"), XP_OK);
    t = text_frame(train_text, 6);
    CHECK_EQ_INT(txh_fit(&h, t), XP_OK);
    frame_free(t);
    v = text_frame(vt, 3);
    CHECK_EQ_INT(txh_apply(&h, v), XP_OK);
    hull = frame_find(v, "description_hull");
    panel = frame_find(v, "description_panel");
    CHECK(hull && panel);
    if (hull && panel) {
        CHECK_NEAR(hull->num[0], 3, 0);
        CHECK_NEAR(panel->num[0], 1, 0);
        CHECK(isnan(hull->num[1]) && isnan(panel->num[2]));
    }
    frame_free(v);
    CHECK_EQ_INT(txh_create(&h, "column: description\nas: counts\nabsent: none\n"), XP_ECONFIG);
    CHECK_STR(h.call.msg, "test.yaml:3:9: absent: expected one of zero, missing, got 'none'");
    CHECK_EQ_INT(txh_create(&h, "column: description\nabsent: missing\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "absent applies to as: counts / binary only");

    CHECK_EQ_INT(txh_create(&h, "column: description\nas: bag\n"), XP_ECONFIG);
    CHECK_STR(h.call.msg, "test.yaml:2:5: as: expected one of ids, counts, binary, got 'bag'");
    CHECK_EQ_INT(txh_create(&h, "column: description\nas: counts\nout: x\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "prefix");
    CHECK_EQ_INT(txh_create(&h, "column: description\nprefix: x\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "prefix applies to as: counts / binary only");
    txh_close(&h);
}

/* all_text: every TEXT feature column, each with its own vocabulary and <column>_ words; a
 * text column set to ignore (an id) is left alone; config errors name the key. */
static void test_all_text(const char *so)
{
    txh h;
    if (enc_open(&h, so, "tokens")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "all_text: true\nas: counts\nabsent: missing\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    const char *titles[] = { "The Hull", "hull panel", NULL }, *notes[] = { "red", "red red", "blue" },
               *ids[] = { "a1", "b2", "c3" };
    xp_frame *t = frame_new(3);
    xp_column *c1 = fr_col(t, "title", XP_COL_TEXT, XP_ROLE_FEATURE);
    xp_column *c2 = fr_col(t, "notes", XP_COL_TEXT, XP_ROLE_FEATURE);
    xp_column *c3 = fr_col(t, "id", XP_COL_TEXT, XP_ROLE_IGNORE);
    xp_column *x = fr_col(t, "x", XP_COL_NUMERIC, XP_ROLE_FEATURE);
    for (size_t i = 0; i < 3; i++) {
        col_set_text(c1, i, titles[i]);
        col_set_text(c2, i, notes[i]);
        col_set_text(c3, i, ids[i]);
        x->num[i] = (double)i;
    }
    size_t before = t->n_cols;
    CHECK_EQ_INT(txh_fit_apply(&h, t), XP_OK);
    CHECK_EQ_INT(t->n_cols, before + 5);              /* title: hull, the, panel; notes: red, blue */
    const xp_column *hull = frame_find(t, "title_hull"), *red = frame_find(t, "notes_red");
    CHECK(hull && red && frame_find(t, "title_panel") && frame_find(t, "notes_blue"));
    CHECK(frame_find(t, "id_a1") == NULL && frame_find(t, "x_") == NULL);
    if (hull && red) {
        CHECK_NEAR(hull->num[0], 1, 0);
        CHECK(isnan(hull->num[2]));                    /* missing title: missing */
        CHECK_NEAR(red->num[1], 2, 0);
        CHECK(isnan(red->num[2]));                     /* absent word: missing */
    }
    CHECK_NEAR(txh_sql_num(&h, "SELECT count(*) FROM xp_records WHERE kind = 'tokens'"), 2, 0);
    char *rec = txh_sql(&h, "SELECT group_concat(json_extract(json,'$.column') || ':' || "
                            "json_extract(json,'$.vocabulary')) FROM xp_records WHERE kind = 'tokens'");
    CHECK_STR(rec, "title:3,notes:2");
    free(rec);
    /* Rows to predict: each column counted with its own training words. */
    const char *vt[] = { "blue hull" }, *vn[] = { "hull" };
    xp_frame *v = frame_new(1);
    col_set_text(fr_col(v, "title", XP_COL_TEXT, XP_ROLE_FEATURE), 0, vt[0]);
    col_set_text(fr_col(v, "notes", XP_COL_TEXT, XP_ROLE_FEATURE), 0, vn[0]);
    col_set_text(fr_col(v, "id", XP_COL_TEXT, XP_ROLE_IGNORE), 0, "z9");
    CHECK_EQ_INT(txh_apply(&h, v), XP_OK);
    hull = frame_find(v, "title_hull");
    CHECK(hull && hull->num[0] == 1 && frame_find(v, "title_blue") == NULL && frame_find(v, "notes_hull") == NULL);
    frame_free(v);
    /* A frame to predict without one of the fitted columns: said, with its name. */
    v = frame_new(1);
    col_set_text(fr_col(v, "title", XP_COL_TEXT, XP_ROLE_FEATURE), 0, "hull");
    CHECK_EQ_INT(txh_apply(&h, v), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "no column 'notes'");
    frame_free(v);
    frame_free(t);

    /* No text feature column: nothing to do, not an error. */
    CHECK_EQ_INT(txh_create(&h, "all_text: true\nas: binary\n"), XP_OK);
    t = frame_new(2);
    fr_col(t, "x", XP_COL_NUMERIC, XP_ROLE_FEATURE);
    before = t->n_cols;
    CHECK_EQ_INT(txh_fit_apply(&h, t), XP_OK);
    CHECK_EQ_INT(t->n_cols, before);
    frame_free(t);

    CHECK_EQ_INT(txh_create(&h, "as: counts\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "tokens needs `column: NAME` or `all_text: true`");
    CHECK_EQ_INT(txh_create(&h, "column: description\nall_text: true\nas: counts\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "one of the two");
    CHECK_EQ_INT(txh_create(&h, "all_text: true\n"), XP_ECONFIG);      /* ids: one VECTOR column */
    CHECK_CONTAINS(h.call.msg, "test.yaml:1:11 (all_text): all_text: true takes as: counts or binary");
    CHECK_EQ_INT(txh_create(&h, "all_text: true\nas: counts\nprefix: w_\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "test.yaml:3:9 (prefix): all_text: true takes as: counts or binary, without prefix:");
    txh_close(&h);
}

/* The record names the column as it is, whatever it holds: quotes and backslashes escaped,
 * nothing cut (records were built in fixed buffers once, which cut names over ~400 bytes). */
static void test_record_names(const char *so)
{
    char name[641], yaml[800];
    txh_long_name(name, 640, "item \"description\" C:\\text\\ ");
    snprintf(yaml, sizeof yaml, "column: '%s'\nout: 'toks \"\\ out'\n", name);   /* YAML '': \ and " as is */
    txh h;
    if (enc_open(&h, so, "tokens")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    xp_frame *t = named_text_frame(name, train_text, 6);
    CHECK_EQ_INT(txh_fit_apply(&h, t), XP_OK);
    char *col = txh_record_str(&h, "tokens", "$.column"), *out = txh_record_str(&h, "tokens", "$.out");
    CHECK_STR(col, name);
    CHECK_STR(out, "toks \"\\ out");
    free(col);
    free(out);
    frame_free(t);
    txh_close(&h);
}

/* A record the store refuses fails the fit with the store's message (it only warned once, and
 * the run went on without the record). */
static void test_refused_record(const char *so)
{
    txh h;
    if (enc_open(&h, so, "tokens")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "column: description\n"), XP_OK);
    CHECK_EQ_INT(txh_refuse_records(&h, "tokens"), 0);
    xp_frame *t = named_text_frame("description", train_text, 6);
    CHECK(txh_fit(&h, t) != XP_OK);
    CHECK_CONTAINS(h.call.msg, "disk full (test)");
    CHECK_EQ_INT(txh_record_count(&h, "tokens"), 0);
    frame_free(t);
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s tokens.so\n", argv[0]);
        return 2;
    }
    test_vocabulary(argv[1]);
    test_options(argv[1]);
    test_word_columns(argv[1]);
    test_all_text(argv[1]);
    test_record_names(argv[1]);
    test_refused_record(argv[1]);
    return check_done();
}
