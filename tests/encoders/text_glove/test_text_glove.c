/* test_text_glove.c — tools/weights/glove_convert on a tiny hand-made JSON in the npm
 * package's format, then the `text_glove` encoder through the real host with that file:
 * exact means, hyphen fallback, possessives, OOV and missing texts -> indicator, distinct
 * texts sharing one vector, the record, SIF and IDF fitted on training rows only, weights
 * resolution and config errors, and several instances sharing one mapping.
 *
 *     ./test_text_glove path/to/text_glove.so path/to/glove_convert
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "check.h"
#include "enc_harness.h"
#include "sha256.h"
#include "wvec.h"

static char g_dir[256], g_json[300], g_bin[300];

/* dim 4; keys "l2NormIndex":4, "wordIndex":5; words in GloVe order (not sorted). */
static const char *tiny_json =
    "{\"precision\":8,\"l2NormIndex\":4,\"wordIndex\":5,\"size\":11,\"dimensions\":4,\n"
    " \"words\":[\"the\",\"hull\",\"carbon\",\"fiber\",\"panel\",\"ion\",\"thruster\",\"well-known\","
    "\"2.5\",\"\\\"\",\"caf\\u00e9\"],\n"
    " \"unkVector\":[0,0,0,0,0,-1],\n"
    " \"vectors\":{\"the\":[1,0,0,0,1,0],\"hull\":[0,1,0,0,1,1],\"carbon\":[0,0,1,0,1,2],"
    "\"fiber\":[0,0,0,1,1,3],\"panel\":[1,1,0,0,1.4142,4],\"ion\":[2,0,0,0,2,5],"
    "\"thruster\":[0,2,0,0,2,6],\"well-known\":[3,3,3,3,6,7],\"2.5\":[0.5,0.5,0.5,0.5,1,8],"
    "\"\\\"\":[9,9,9,9,18,9], \"caf\\u00e9\" : [ 0 , 0 , 2 , 2e0 , 2.8284 , 10 ] }}\n";

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(text, f);
    return fclose(f);
}

static int run_convert(const char *exe, const char *in, const char *out)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' 2>/dev/null", exe, in, out);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_convert(const char *exe)
{
    CHECK_EQ_INT(write_file(g_json, tiny_json), 0);
    CHECK_EQ_INT(run_convert(exe, g_json, g_bin), 0);
    wvec w;
    char err[512];
    if (wvec_open(g_bin, &w, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        CHECK(0);
        return;
    }
    CHECK_EQ_INT(w.count, 11);
    CHECK_EQ_INT(w.dim, 4);
    /* bytewise sorted, escapes decoded */
    const char *want[] = { "\"", "2.5", "caf\xc3\xa9", "carbon", "fiber", "hull", "ion", "panel",
                           "the", "thruster", "well-known" };
    for (int k = 0; k < 11; k++) CHECK_STR(wvec_word(&w, k), want[k]);
    int64_t the = wvec_find(&w, "the");
    CHECK_EQ_INT(the, 8);
    CHECK_EQ_INT(w.rank[the], 0);
    CHECK_EQ_INT(w.rank[wvec_find(&w, "caf\xc3\xa9")], 10);
    CHECK_NEAR(wvec_row(&w, wvec_find(&w, "well-known"))[2], 3, 0);
    CHECK_NEAR(wvec_row(&w, wvec_find(&w, "caf\xc3\xa9"))[3], 2, 0);
    CHECK_NEAR(wvec_row(&w, wvec_find(&w, "\""))[0], 9, 0);
    CHECK_EQ_INT(wvec_find(&w, "zork"), -1);
    CHECK_EQ_INT(wvec_find(&w, "th"), -1);
    CHECK_EQ_INT(wvec_find(&w, "thex"), -1);
    CHECK_EQ_INT(wvec_findn(&w, "thruster's", 8), 9);
    /* the header's sha256 covers bytes [128, end) */
    char hex[65];
    sha256_hex((const char *)w.map + WVEC_HEADER_BYTES, w.map_bytes - WVEC_HEADER_BYTES, hex);
    CHECK_STR(w.sha_hex, hex);
    wvec_close(&w);

    /* Broken inputs: exit 1, nothing written; usage: exit 2. */
    char bad[300], out[300];
    snprintf(bad, sizeof bad, "%s/bad.json", g_dir);
    snprintf(out, sizeof out, "%s/bad.bin", g_dir);
    write_file(bad, "{\"dimensions\":2,\"wordIndex\":3,\"words\":[\"a\",\"b\"],"
                    "\"vectors\":{\"a\":[1,2,3,0],\"b\":[1,2,3,0]}}");        /* index used twice */
    CHECK_EQ_INT(run_convert(exe, bad, out), 1);
    write_file(bad, "{\"dimensions\":2,\"wordIndex\":3,\"words\":[\"b\",\"a\"],"
                    "\"vectors\":{\"a\":[1,2,3,0],\"b\":[1,2,3,1]}}");        /* words disagree */
    CHECK_EQ_INT(run_convert(exe, bad, out), 1);
    write_file(bad, "{\"dimensions\":3,\"vectors\":{\"a\":[1,2]}}");           /* too short */
    CHECK_EQ_INT(run_convert(exe, bad, out), 1);
    write_file(bad, "{\"vectors\":{\"a\":[1,2]},\"dimensions\":2}");           /* order */
    CHECK_EQ_INT(run_convert(exe, bad, out), 1);
    write_file(bad, "{\"dimensions\":2,\"vectors\":{\"a\":[1,2],\"b\":[1,");     /* truncated */
    CHECK_EQ_INT(run_convert(exe, bad, out), 1);
    struct stat sb;
    CHECK(stat(out, &sb) != 0);
    /* No wordIndex: rows in file order; still valid. */
    write_file(bad, "{\"dimensions\":2,\"vectors\":{\"b\":[1,2],\"a\":[3,4]}}");
    CHECK_EQ_INT(run_convert(exe, bad, out), 0);
    if (wvec_open(out, &w, err, sizeof err) == 0) {
        CHECK_EQ_INT(wvec_find(&w, "a"), 0);
        CHECK_NEAR(wvec_row(&w, 0)[1], 4, 0);
        CHECK_EQ_INT(w.rank[0], 1);
        wvec_close(&w);
    } else {
        CHECK(0);
    }
    /* A truncated .bin is refused by the reader. */
    FILE *f = fopen(out, "r+");
    if (f) { CHECK_EQ_INT(ftruncate(fileno(f), 150), 0); fclose(f); }
    CHECK(wvec_open(out, &w, err, sizeof err) != 0);
    CHECK_CONTAINS(err, "make weights");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s' >/dev/null 2>&1", exe);
    int st = system(cmd);
    CHECK_EQ_INT(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 2);
    unlink(bad);
    unlink(out);
}

static xp_frame *text_frame(const char *const *t, size_t n)
{
    xp_frame *f = frame_new(n);
    xp_column *c = fr_col(f, "description", XP_COL_TEXT, XP_ROLE_IGNORE);
    for (size_t i = 0; i < n; i++) col_set_text(c, i, t[i]);
    double y[64];
    for (size_t i = 0; i < n; i++) y[i] = (double)i;
    fr_num(f, "target", XP_ROLE_TARGET, y);
    return f;
}

static void check_vec(const xp_column *c, size_t row, const double *want)
{
    const float *v = enc_vec(c, row);
    CHECK(v != NULL);
    if (!v) return;
    for (int j = 0; j < 4; j++) CHECK_NEAR(v[j], want[j], 1e-6);
}

static void test_mean(const char *so)
{
    txh h;
    if (enc_open(&h, so, "text_glove")) { CHECK(0); return; }
    char yaml[600];
    snprintf(yaml, sizeof yaml, "column: description\nweights: %s\n", g_bin);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    const char *t[] = { "Carbon-Fiber Hull", "Well-Known panel", "XJ-9 zork", NULL,
                        "Carbon-Fiber Hull", "The ion thruster's hull.", "2.5 CAFÉ caf\xc3\xa9" };
    xp_frame *f = text_frame(t, 7);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    const xp_column *c = frame_find(f, "description_glove");
    const xp_column *m = frame_find(f, "description_glove_missing");
    CHECK(c && c->type == XP_COL_VECTOR && c->role == XP_ROLE_FEATURE && c->dim == 4);
    CHECK(m && m->type == XP_COL_BOOL && m->role == XP_ROLE_FEATURE);
    if (!c || !m) { frame_free(f); txh_close(&h); return; }
    check_vec(c, 0, (double[]){ 0, 1.0 / 3, 1.0 / 3, 1.0 / 3 });   /* split: carbon fiber hull */
    check_vec(c, 1, (double[]){ 2, 2, 1.5, 1.5 });                 /* well-known found whole */
    CHECK_EQ_INT(c->vec_row[2], -1);                               /* all unknown */
    CHECK_EQ_INT(c->vec_row[3], -1);                               /* missing text */
    CHECK_EQ_INT(c->vec_row[4], c->vec_row[0]);                    /* same text, same vector */
    check_vec(c, 5, (double[]){ 0.75, 0.75, 0, 0 });               /* the ion thruster hull */
    /* "2.5" kept whole; "CAFÉ": ASCII lower-cased only, so "cafÉ" is unknown; "café" known */
    check_vec(c, 6, (double[]){ 0.25, 0.25, 1.25, 1.25 });
    CHECK_EQ_INT(c->vectors->count, 4);                            /* one per distinct text */
    double want_m[] = { 0, 0, 1, 1, 0, 0, 0 };
    for (int i = 0; i < 7; i++) CHECK_NEAR(m->num[i], want_m[i], 0);

    /* The record: tokens 3 + 2 + 3 + 3 + 4 + 3 = 18, unknown 3 (xj, 9, zork) + 1 (cafÉ) */
    char *rec = txh_record(&h, "text_glove");
    CHECK(rec && strcmp(rec, "INVALID JSON") != 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json,'$.tokens') FROM xp_records"), 18, 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json,'$.oov_tokens') FROM xp_records"), 4, 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json,'$.oov_share') FROM xp_records"), 4.0 / 18, 1e-6);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json,'$.all_oov_rows') FROM xp_records"), 1, 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json,'$.missing_rows') FROM xp_records"), 1, 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json,'$.distinct') FROM xp_records"), 5, 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json,'$.vocabulary') FROM xp_records"), 11, 0);
    CHECK_CONTAINS(rec, "\"zork\"");
    CHECK_CONTAINS(rec, "\"mean\"");
    free(rec);

    /* Applying again to a frame that has the output is an error naming it. */
    CHECK_EQ_INT(txh_apply(&h, f), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "description_glove");
    frame_free(f);

    /* A frame with no text at all: every row missing, an empty table. */
    const char *none[] = { NULL, NULL };
    f = text_frame(none, 2);
    CHECK_EQ_INT(txh_apply(&h, f), XP_OK);
    c = frame_find(f, "description_glove");
    CHECK(c && c->vec_row[0] == -1 && c->vec_row[1] == -1);
    CHECK_NEAR(frame_find(f, "description_glove_missing")->num[1], 1, 0);
    frame_free(f);

    /* out: renames both columns; mean needs no fit. */
    snprintf(yaml, sizeof yaml, "column: description\nout: emb\nweights: %s\nlowercase: false\n"
             "weighting: mean\nsif_a: 0.5\n", g_bin);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    const char *t2[] = { "Hull hull" };
    f = text_frame(t2, 1);
    CHECK_EQ_INT(txh_apply(&h, f), XP_OK);
    check_vec(frame_find(f, "emb"), 0, (double[]){ 0, 1, 0, 0 });   /* "Hull" unknown without lower-casing */
    CHECK(frame_find(f, "emb_missing") != NULL);
    frame_free(f);
    txh_close(&h);
}

static void test_sif(const char *so)
{
    txh h;
    if (enc_open(&h, so, "text_glove")) { CHECK(0); return; }
    char yaml[600];
    snprintf(yaml, sizeof yaml, "column: description\nweights: %s\nweighting: sif\nsif_a: 0.1\n", g_bin);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    const char *vt[] = { "thruster hull", "hull panel" };
    xp_frame *v = text_frame(vt, 2);
    CHECK_EQ_INT(txh_apply(&h, v), XP_EINVAL);                     /* not fitted */
    CHECK_CONTAINS(h.call.msg, "fit");
    /* 5 training tokens: hull 2, panel 1, ion 1, zork 1 (unknown) */
    const char *tt[] = { "hull panel", "hull", "ion zork" };
    xp_frame *t = text_frame(tt, 3);
    CHECK_EQ_INT(txh_fit_apply(&h, t), XP_OK);
    double wh = 0.1 / (0.1 + 0.4), wp = 0.1 / (0.1 + 0.2), wi = 0.1 / (0.1 + 0.2);
    const xp_column *c = frame_find(t, "description_glove");
    check_vec(c, 0, (double[]){ wp / 2, (wh + wp) / 2, 0, 0 });
    check_vec(c, 1, (double[]){ 0, wh, 0, 0 });
    check_vec(c, 2, (double[]){ 2 * wi, 0, 0, 0 });
    CHECK_EQ_INT(txh_apply(&h, v), XP_OK);
    /* thruster was never seen in training: weight 1 */
    check_vec(frame_find(v, "description_glove"), 0, (double[]){ 0, (2 + wh) / 2, 0, 0 });
    check_vec(frame_find(v, "description_glove"), 1, (double[]){ wp / 2, (wh + wp) / 2, 0, 0 });
    frame_free(v);
    frame_free(t);
    txh_close(&h);
}

static void test_idf(const char *so)
{
    txh h;
    if (enc_open(&h, so, "text_glove")) { CHECK(0); return; }
    char yaml[600];
    snprintf(yaml, sizeof yaml, "column: description\nweights: %s\nweighting: idf\n", g_bin);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    /* 3 training documents (a row without text is not a document) */
    const char *tt[] = { "hull panel", "hull hull", "ion", NULL };
    xp_frame *t = text_frame(tt, 4);
    CHECK_EQ_INT(txh_fit_apply(&h, t), XP_OK);
    double ih = log(4.0 / 3) + 1, ip = log(4.0 / 2) + 1, unseen = log(4.0) + 1;
    check_vec(frame_find(t, "description_glove"), 1, (double[]){ 0, ih, 0, 0 });
    check_vec(frame_find(t, "description_glove"), 0, (double[]){ ip / 2, (ih + ip) / 2, 0, 0 });
    /* Validation rows use the training weights; their own words do not change them. */
    const char *vt[] = { "thruster", "thruster", "thruster hull" };
    xp_frame *v = text_frame(vt, 3);
    CHECK_EQ_INT(txh_apply(&h, v), XP_OK);
    check_vec(frame_find(v, "description_glove"), 0, (double[]){ 0, 2 * unseen, 0, 0 });
    check_vec(frame_find(v, "description_glove"), 2, (double[]){ 0, (2 * unseen + ih) / 2, 0, 0 });
    frame_free(v);
    /* Refit on other rows: other weights (hull now in 1 of 1 documents). */
    const char *t2[] = { "hull" };
    xp_frame *r = text_frame(t2, 1);
    CHECK_EQ_INT(txh_fit(&h, r), XP_OK);
    v = text_frame(vt, 3);
    CHECK_EQ_INT(txh_apply(&h, v), XP_OK);
    check_vec(frame_find(v, "description_glove"), 0, (double[]){ 0, 2 * (log(2.0) + 1), 0, 0 });
    CHECK_EQ_INT(txh_record_count(&h, "text_glove"), 2);           /* one record per fit */
    frame_free(v);
    frame_free(r);
    frame_free(t);
    txh_close(&h);
}

static void test_errors_and_sharing(const char *so)
{
    txh h, h2;
    if (enc_open(&h, so, "text_glove") || enc_open(&h2, so, "text_glove")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "column: description\nweights: /nonexistent/glove.bin\n"), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "make weights");
    CHECK_CONTAINS(h.call.msg, "/nonexistent/glove.bin");
    char yaml[600];
    snprintf(yaml, sizeof yaml, "column: description\nweights: %s\nweighting: tfidf\n", g_bin);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "tfidf");
    snprintf(yaml, sizeof yaml, "column: description\nweights: %s\nsif_a: 0\n", g_bin);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_ECONFIG);
    CHECK_EQ_INT(txh_create(&h, "weights: x\n"), XP_ECONFIG);      /* column is required */
    /* A corrupt file: refused with the fix. */
    char junk[300];
    snprintf(junk, sizeof junk, "%s/junk.bin", g_dir);
    write_file(junk, "XPWVEC1\0 not really a word-vector file, too short for its header");
    snprintf(yaml, sizeof yaml, "column: description\nweights: %s\n", junk);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_EFORMAT);
    CHECK_CONTAINS(h.call.msg, "make weights");
    unlink(junk);

    /* $XP_WEIGHTS_DIR names the folder holding glove-100d.bin. */
    char dir[300], link[400];
    snprintf(dir, sizeof dir, "%s/wdir", g_dir);
    mkdir(dir, 0755);
    snprintf(link, sizeof link, "%s/" WVEC_FILE_NAME, dir);
    CHECK_EQ_INT(symlink(g_bin, link), 0);
    setenv("XP_WEIGHTS_DIR", dir, 1);
    CHECK_EQ_INT(txh_create(&h, "column: description\n"), XP_OK);
    /* `weights:` may name the folder too; the same file is mapped once and shared */
    snprintf(yaml, sizeof yaml, "column: description\nweights: %s\n", dir);
    CHECK_EQ_INT(txh_create(&h2, yaml), XP_OK);
    unsetenv("XP_WEIGHTS_DIR");

    xp_frame *f = frame_new(1);
    fr_num(f, "description", XP_ROLE_FEATURE, (double[]){ 1 });
    CHECK_EQ_INT(txh_apply(&h, f), XP_EINVAL);                     /* not text */
    CHECK_CONTAINS(h.call.msg, "not text");
    frame_free(f);
    f = frame_new(1);
    CHECK_EQ_INT(txh_apply(&h, f), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "description");
    frame_free(f);

    const char *t[] = { "ion hull" };
    f = text_frame(t, 1);
    txh_destroy(&h);                                              /* one user left */
    CHECK_EQ_INT(txh_apply(&h2, f), XP_OK);
    check_vec(frame_find(f, "description_glove"), 0, (double[]){ 1, 0.5, 0, 0 });
    frame_free(f);
    txh_close(&h2);
    txh_close(&h);
    unlink(link);
    rmdir(dir);
}

/* Folds run side by side: instances created, used and destroyed on several threads at once
 * share (and map / unmap) the one weights file. */
typedef struct worker {
    txh h;
    int failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    char yaml[600];
    snprintf(yaml, sizeof yaml, "column: description\nweights: %s\nweighting: idf\n", g_bin);
    const char *t[] = { "ion hull", "panel", NULL, "zork" };
    const float wt = (float)(log(4.0 / 2) + 1);
    for (int it = 0; it < 25; it++) {
        if (txh_create(&w->h, yaml) != XP_OK) { w->failures++; continue; }
        xp_frame *f = text_frame(t, 4);
        if (txh_fit_apply(&w->h, f) != XP_OK) w->failures++;
        const float *v = enc_vec(frame_find(f, "description_glove"), 0);
        /* idf over 3 documents: ion and hull each in one -> weight ln(4/2) + 1 */
        if (!v || fabsf(v[0] - wt) > 1e-5f || fabsf(v[1] - wt / 2) > 1e-5f) w->failures++;
        frame_free(f);
        txh_destroy(&w->h);
    }
    return NULL;
}

static void test_threads(const char *so)
{
    enum { N = 4 };
    worker w[N];
    memset(w, 0, sizeof w);
    for (int i = 0; i < N; i++)
        if (enc_open(&w[i].h, so, "text_glove")) { CHECK(0); return; }
    pthread_t th[N];
    for (int i = 0; i < N; i++) CHECK_EQ_INT(pthread_create(&th[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(w[i].failures, 0);
        txh_close(&w[i].h);
    }
}

/* A record the store refuses fails the fit with the store's message (it only warned once, and
 * the run went on without the record). */
static void test_refused_record(const char *so)
{
    txh h;
    if (enc_open(&h, so, "text_glove")) { CHECK(0); return; }
    char yaml[600];
    snprintf(yaml, sizeof yaml, "column: description\nweights: %s\n", g_bin);
    CHECK_EQ_INT(txh_create(&h, yaml), XP_OK);
    CHECK_EQ_INT(txh_refuse_records(&h, "text_glove"), 0);
    const char *t[] = { "Carbon-Fiber Hull", "Well-Known panel" };
    xp_frame *f = text_frame(t, 2);
    CHECK(txh_fit(&h, f) != XP_OK);
    CHECK_CONTAINS(h.call.msg, "disk full (test)");
    CHECK_EQ_INT(txh_record_count(&h, "text_glove"), 0);
    frame_free(f);
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s text_glove.so glove_convert\n", argv[0]);
        return 2;
    }
    snprintf(g_dir, sizeof g_dir, "/tmp/xp_glove_test_%ld", (long)getpid());
    mkdir(g_dir, 0755);
    snprintf(g_json, sizeof g_json, "%s/tiny.json", g_dir);
    snprintf(g_bin, sizeof g_bin, "%s/tiny.bin", g_dir);
    test_convert(argv[2]);
    test_mean(argv[1]);
    test_sif(argv[1]);
    test_idf(argv[1]);
    test_errors_and_sharing(argv[1]);
    test_threads(argv[1]);
    test_refused_record(argv[1]);
    unlink(g_json);
    unlink(g_bin);
    rmdir(g_dir);
    return check_done();
}
