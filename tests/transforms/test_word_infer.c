/* test_word_infer.c — the `word_infer` transform through the real host and the real XGBoost:
 * labels from the text's words (a level's second word, a conflict, no text), a classifier that
 * must read an input column and a word together to be right on the texts that name no level
 * (and cannot without the words), each text weighing the same (per_text picks too), word
 * counting, determinism, the record, a categorical text column, the prior when too few texts
 * are labelled, and the errors.
 *
 *     ./test_word_infer path/to/word_infer.so
 */
#include "check.h"
#include "harness.h"

enum { ITEMS = 1200, TRAIN = 900, REPS = 3, N = ITEMS * REPS };

static const char *const CFG =
    "column: desc\n"
    "inputs: [\"px_*\"]\n"
    "groups:\n"
    "  shade: [dark, [mid, medium], light]\n"
    "out: r\n";

typedef struct items {
    int level[ITEMS], kind[ITEMS], shown[ITEMS];
    char text[ITEMS][64];
    const char *row_text[N];
    double x[N], noise[N];
} items;

/* Item i: a level 0..2 and a kind 0..1; the picture's number px_a = level + kind (+ noise), so
 * px_a = 1 or 2 is ambiguous unless the kind's word is read too. Every third item names its
 * level (the middle one as "medium" half the time). px_b is noise that varies within an item:
 * the classifier sees its mean. */
static void make_items(items *it, uint64_t seed)
{
    rng r = { seed };
    static const char *const word[3] = { "dark", "mid", "light" };
    for (int i = 0; i < ITEMS; i++) {
        it->level[i] = (int)(3 * rng_unif(&r));
        it->kind[i] = rng_unif(&r) < 0.5;
        it->shown[i] = i % 3 == 0;
        const char *lw = it->level[i] == 1 && i % 2 ? "medium" : word[it->level[i]];
        snprintf(it->text[i], sizeof it->text[i], "%s%sWidget %s No%d", it->shown[i] ? lw : "",
                 it->shown[i] ? " " : "", it->kind[i] ? "Steel" : "Brass", i);
        double base = it->level[i] + it->kind[i] + 0.05 * rng_normal(&r);
        for (int k = 0; k < REPS; k++) {
            it->row_text[i * REPS + k] = it->text[i];
            it->x[i * REPS + k] = base;
            it->noise[i * REPS + k] = rng_normal(&r);
        }
    }
}

static xp_frame *items_frame(const items *it, size_t from, size_t to)
{
    size_t n = (to - from) * REPS;
    xp_frame *f = frame_new(n);
    fr_text(f, "desc", it->row_text + from * REPS);
    fr_num(f, "px_a", XP_ROLE_FEATURE, it->x + from * REPS);
    fr_num(f, "px_b", XP_ROLE_FEATURE, it->noise + from * REPS);
    return f;
}

/* Share of the rows of items [from, to) that name no level whose largest probability is at
 * their level; checks the probabilities sum to one and named rows are one-hot. */
static double accuracy(const items *it, const xp_frame *f, size_t from, size_t to)
{
    const xp_column *c[3] = { frame_find((xp_frame *)f, "r_shade_dark"), frame_find((xp_frame *)f, "r_shade_mid"),
                              frame_find((xp_frame *)f, "r_shade_light") };
    CHECK(c[0] && c[1] && c[2]);
    if (!c[0] || !c[1] || !c[2]) return 0;
    size_t right = 0, n = 0, bad_sum = 0, bad_named = 0;
    for (size_t i = from; i < to; i++)
        for (int k = 0; k < REPS; k++) {
            size_t row = (i - from) * REPS + (size_t)k;
            double p[3] = { c[0]->num[row], c[1]->num[row], c[2]->num[row] };
            bad_sum += fabs(p[0] + p[1] + p[2] - 1) > 1e-5;
            if (it->shown[i]) {
                for (int l = 0; l < 3; l++) bad_named += p[l] != (l == it->level[i]);
                continue;
            }
            int best = p[1] > p[0] ? 1 : 0;
            if (p[2] > p[best]) best = 2;
            right += best == it->level[i];
            n++;
        }
    CHECK_EQ_INT((int)bad_sum, 0);
    CHECK_EQ_INT((int)bad_named, 0);
    return n ? (double)right / (double)n : 0;
}

static void test_learns(const char *so)
{
    static items it;
    make_items(&it, 3);
    txh h;
    if (txh_open(&h, so, "word_infer")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, CFG), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *tr = items_frame(&it, 0, TRAIN), *te = items_frame(&it, TRAIN, ITEMS);
    CHECK_EQ_INT(txh_fit_apply(&h, tr), XP_OK);
    CHECK_EQ_INT(txh_apply(&h, te), XP_OK);
    double acc_tr = accuracy(&it, tr, 0, TRAIN), acc_te = accuracy(&it, te, TRAIN, ITEMS);
    fprintf(stderr, "accuracy on unnamed rows: training %.3f, test %.3f\n", acc_tr, acc_te);
    CHECK(acc_tr > 0.95);
    CHECK(acc_te > 0.95);
    /* the record: 300 named texts among 900, the inputs (px_a, px_b and the words widget,
     * steel, brass: each in >= 5 texts; the level words and the numbers are not inputs) */
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.texts') FROM xp_records WHERE kind = 'word_infer'"), TRAIN, 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.input_columns') FROM xp_records WHERE kind = 'word_infer'"), 2, 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.input_words') FROM xp_records WHERE kind = 'word_infer'"), 3, 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.groups[0].unlabelled') FROM xp_records WHERE kind = 'word_infer'"), TRAIN - TRAIN / 3, 0);
    int per[3] = { 0 };
    for (int i = 0; i < TRAIN; i++) per[it.level[i]] += it.shown[i];
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.groups[0].labelled.dark') FROM xp_records WHERE kind = 'word_infer'"), per[0], 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.groups[0].labelled.mid') FROM xp_records WHERE kind = 'word_infer'"), per[1], 0);
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.groups[0].classifier') FROM xp_records WHERE kind = 'word_infer'"), 1, 0);
    double held = txh_sql_num(&h, "SELECT json_extract(json, '$.groups[0].heldout_accuracy') FROM xp_records WHERE kind = 'word_infer'");
    CHECK(held > 0.9 && held <= 1);
    /* One row alone gets what it got among all the test rows: its own cells decide. */
    xp_frame *one = frame_new(1);
    fr_text(one, "desc", it.row_text + TRAIN * REPS + 1);
    fr_num(one, "px_a", XP_ROLE_FEATURE, it.x + TRAIN * REPS + 1);
    fr_num(one, "px_b", XP_ROLE_FEATURE, it.noise + TRAIN * REPS + 1);
    CHECK_EQ_INT(txh_apply(&h, one), XP_OK);
    CHECK(frame_find(one, "r_shade_dark") && frame_find(te, "r_shade_dark") &&
          frame_find(one, "r_shade_dark")->num[0] == frame_find(te, "r_shade_dark")->num[1]);
    frame_free(one);
    /* Fitted again on the same rows: the same numbers (seeded, one thread or many). */
    xp_frame *te2 = items_frame(&it, TRAIN, ITEMS);
    CHECK_EQ_INT(txh_fit(&h, tr), XP_OK);
    CHECK_EQ_INT(txh_apply(&h, te2), XP_OK);
    const xp_column *a = frame_find(te, "r_shade_light"), *b = frame_find(te2, "r_shade_light");
    size_t diff = 0;
    for (size_t i = 0; a && b && i < te->n_rows; i++) diff += a->num[i] != b->num[i];
    CHECK(a && b);
    CHECK_EQ_INT((int)diff, 0);
    /* Texts: none, two levels named, a level word not in any training text. */
    const char *odd[3] = { NULL, "dark light Widget Steel No1", "Medium widget BRASS" };
    double ox[3] = { 1, 1, 0 }, on[3] = { 0, 0, 0 };
    xp_frame *o = frame_new(3);
    fr_text(o, "desc", odd);
    fr_num(o, "px_a", XP_ROLE_FEATURE, ox);
    fr_num(o, "px_b", XP_ROLE_FEATURE, on);
    CHECK_EQ_INT(txh_apply(&h, o), XP_OK);
    const xp_column *d = frame_find(o, "r_shade_dark"), *m = frame_find(o, "r_shade_mid");
    CHECK(d && m && isnan(d->num[0]) && isnan(m->num[0]));       /* no text: missing */
    CHECK(d && d->num[1] > 0 && d->num[1] < 1);                  /* two levels: inferred */
    CHECK(d && d->num[1] > 0.5);                                 /* steel with px_a 1: dark */
    CHECK(m && m->num[2] == 1);                                  /* "Medium", any case */
    frame_free(tr);
    frame_free(te);
    frame_free(te2);
    frame_free(o);

    /* Without the words, px_a = 1 or 2 cannot be told apart: the kind is in the words only. */
    CHECK_EQ_INT(txh_create(&h, "column: desc\ninputs: [px_a]\nwords: false\ngroups:\n  shade: [dark, [mid, medium], light]\nout: r\n"), XP_OK);
    tr = items_frame(&it, 0, TRAIN);
    te = items_frame(&it, TRAIN, ITEMS);
    CHECK_EQ_INT(txh_fit_apply(&h, tr), XP_OK);
    CHECK_EQ_INT(txh_apply(&h, te), XP_OK);
    double blind = accuracy(&it, te, TRAIN, ITEMS);
    fprintf(stderr, "without the words: test %.3f\n", blind);
    CHECK(blind < 0.85);
    CHECK(blind > 0.5);
    frame_free(tr);
    frame_free(te);
    txh_close(&h);
}

/* With per_text, the picked cases of a text share its weight of 1: 20 texts of level a with
 * four cases each (two inputs of +0.0 or -0.0: distinct rows to word_infer, one value to
 * XGBoost, so nothing to split on) against 20 texts of level b with one. An unnamed text reads
 * the weighted share of a: 1/2 whatever per_text is — with each picked case at weight 1 it
 * would read 2/3 (per_text 2) or 4/5 (per_text 4). */
static void test_per_text_weights(const char *so)
{
    enum { A = 20, B = 20, ROWS = A * 4 + B + 1 };
    static const char *const extra[3] = { "", "per_text: 2\n", "per_text: 4\n" };
    static const char *const label[3] = { "all cases", "per_text 2", "per_text 4" };
    for (int e = 0; e < 3; e++) {
        txh h;
        if (txh_open(&h, so, "word_infer")) { CHECK(0); return; }
        char cfg[256];
        snprintf(cfg, sizeof cfg, "column: desc\ninputs: [p, q]\nwords: false\nmin_labelled: 5\n%sgroups:\n"
                                  "  g: [a, b]\n", extra[e]);
        CHECK_EQ_INT(txh_create(&h, cfg), XP_OK);
        static char names[A + B + 1][32];
        const char *t[ROWS];
        double p[ROWS], q[ROWS];
        size_t r = 0;
        for (int i = 0; i < A; i++) {
            snprintf(names[i], sizeof names[i], "a thing No%d", i);
            for (int k = 0; k < 4; k++, r++) {
                t[r] = names[i];
                p[r] = k & 1 ? -0.0 : 0.0;
                q[r] = k & 2 ? -0.0 : 0.0;
            }
        }
        for (int i = 0; i < B; i++, r++) {
            snprintf(names[A + i], sizeof names[A + i], "b thing No%d", A + i);
            t[r] = names[A + i];
            p[r] = q[r] = 0.0;
        }
        snprintf(names[A + B], sizeof names[A + B], "thing No%d", A + B);
        t[r] = names[A + B];
        p[r] = q[r] = 0.0;
        xp_frame *f = frame_new(ROWS);
        fr_text(f, "desc", t);
        fr_num(f, "p", XP_ROLE_FEATURE, p);
        fr_num(f, "q", XP_ROLE_FEATURE, q);
        CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
        const xp_column *a = frame_find(f, "desc_g_a");
        double cases = txh_sql_num(&h, "SELECT json_extract(json, '$.groups[0].cases') FROM xp_records WHERE kind = 'word_infer'");
        CHECK_NEAR(cases, e == 1 ? A * 2 + B : A * 4 + B, 0);
        CHECK(a != NULL);
        if (a) {
            fprintf(stderr, "zero-signed inputs, %s: unnamed text reads a with %.3f\n", label[e], a->num[ROWS - 1]);
            CHECK_NEAR(a->num[ROWS - 1], 0.5, 0.02);
        }
        frame_free(f);
        txh_close(&h);
    }
}

static double unnamed_reads_a(const char *so, const char *extra, double *cases);
static double unnamed_cases(const char *so, const char *extra)
{
    double cases = NAN;
    unnamed_reads_a(so, extra, &cases);
    return cases;
}

/* per_text: 1 fits one case per labelled text (the one of smallest hash) and still reads the
 * level; the record counts the cases fitted: with per_text: 2, two of a ten-row text's ten. */
static void test_per_text(const char *so)
{
    static items it;
    make_items(&it, 5);
    txh h;
    if (txh_open(&h, so, "word_infer")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "column: desc\ninputs: [\"px_*\"]\nper_text: 1\ngroups:\n"
                                "  shade: [dark, [mid, medium], light]\nout: r\n"), XP_OK);
    xp_frame *tr = items_frame(&it, 0, TRAIN), *te = items_frame(&it, TRAIN, ITEMS);
    CHECK_EQ_INT(txh_fit(&h, tr), XP_OK);
    CHECK_EQ_INT(txh_apply(&h, te), XP_OK);
    double acc = accuracy(&it, te, TRAIN, ITEMS);
    fprintf(stderr, "per_text 1: test %.3f\n", acc);
    CHECK(acc > 0.9);
    frame_free(tr);
    frame_free(te);
    txh_close(&h);
    CHECK_NEAR(unnamed_cases(so, "per_text: 2\n"), 20 * 2 + 20, 0);
    CHECK_NEAR(unnamed_cases(so, ""), 20 * 10 + 20, 0);
}

/* Each labelled text counts once, however many rows it has: 20 texts of level a with ten rows
 * each (px 0..9), 20 of level b with one row (px 0..9 twice): px says nothing, so an unnamed
 * text reads about 1/2 — counted by rows it would read 10/11 a. */
/* What the unnamed text of the frame below reads for level a (NAN on failure); extra: more
 * config lines; *cases (may be NULL): the record's fitted cases. */
static double unnamed_reads_a(const char *so, const char *extra, double *cases)
{
    enum { A = 20, B = 20, ROWS = A * 10 + B + 1 };
    txh h;
    if (txh_open(&h, so, "word_infer")) { CHECK(0); return NAN; }
    char cfg[256];
    snprintf(cfg, sizeof cfg, "column: desc\ninputs: [px]\nwords: false\n%sgroups:\n  g: [a, b]\n", extra);
    CHECK_EQ_INT(txh_create(&h, cfg), XP_OK);
    static char names[A + B + 1][32];
    const char *t[ROWS];
    double px[ROWS];
    size_t r = 0;
    for (int i = 0; i < A; i++) {
        snprintf(names[i], sizeof names[i], "a thing No%d", i);
        for (int k = 0; k < 10; k++, r++) { t[r] = names[i]; px[r] = k; }
    }
    for (int i = 0; i < B; i++, r++) {
        snprintf(names[A + i], sizeof names[A + i], "b thing No%d", A + i);
        t[r] = names[A + i];
        px[r] = i % 10;
    }
    snprintf(names[A + B], sizeof names[A + B], "thing No%d", A + B);
    t[r] = names[A + B];
    px[r] = 5;
    xp_frame *f = frame_new(ROWS);
    fr_text(f, "desc", t);
    fr_num(f, "px", XP_ROLE_FEATURE, px);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    const xp_column *a = frame_find(f, "desc_g_a");
    double v = a ? a->num[ROWS - 1] : NAN;
    if (cases) *cases = txh_sql_num(&h, "SELECT json_extract(json, '$.groups[0].cases') FROM xp_records WHERE kind = 'word_infer'");
    fprintf(stderr, "unnamed text reads a with %.3f%s%s", v, *extra ? ", " : "\n", extra);
    frame_free(f);
    txh_close(&h);
    return v;
}

static void test_texts_weigh_the_same(const char *so)
{
    double v = unnamed_reads_a(so, "", NULL);
    CHECK(v > 0.3 && v < 0.7);
}

/* A categorical text column; too few labelled texts: the labelled shares, no classifier. */
static void test_categorical_and_prior(const char *so)
{
    txh h;
    if (txh_open(&h, so, "word_infer")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "column: desc\ninputs: [px]\nmin_labelled: 5\ngroups:\n  g: [hot, cold]\n"), XP_OK);
    const char *t[6] = { "hot tea", "hot soup", "cold tea", "tea", "soup", NULL };
    double px[6] = { 1, 2, 3, 4, 5, 6 };
    xp_frame *f = frame_new(6);
    fr_cat(f, "desc", t);
    fr_num(f, "px", XP_ROLE_FEATURE, px);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    const xp_column *hot = frame_find(f, "desc_g_hot"), *cold = frame_find(f, "desc_g_cold");
    CHECK(hot && cold);
    if (hot && cold) {
        CHECK(hot->num[0] == 1 && cold->num[0] == 0);
        CHECK(hot->num[2] == 0 && cold->num[2] == 1);
        CHECK_NEAR(hot->num[3], 2.0 / 3, 1e-12);
        CHECK_NEAR(cold->num[4], 1.0 / 3, 1e-12);
        CHECK(isnan(hot->num[5]));
    }
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.groups[0].classifier') FROM xp_records WHERE kind = 'word_infer'"), 0, 0);
    frame_free(f);
    txh_close(&h);
}

/* Which words become inputs: a word counts once per text however often the text repeats it,
 * needs min_count texts, and many words (past the first sizes of the word table) all count. */
static void test_word_counting(const char *so)
{
    txh h;
    if (txh_open(&h, so, "word_infer")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "column: desc\nmin_count: 3\ngroups:\n  g: [hot, cold]\n"), XP_OK);
    enum { N = 300, WORDS = 100 };
    static char buf[N][64];
    const char *t[N];
    for (int k = 0; k < N; k++) {   /* word w<j> in texts j, j + 100, j + 200: 3 texts each */
        snprintf(buf[k], sizeof buf[k], "%s w%d n%d%s", k % 2 ? "hot" : "cold", k % WORDS, k,
                 k < 2 ? " zinc zinc zinc zinc" : "");
        t[k] = buf[k];
    }
    xp_frame *f = frame_new(N);
    fr_text(f, "desc", t);
    CHECK_EQ_INT(txh_fit(&h, f), XP_OK);
    /* the 100 w-words; not n<k> (1 text each), not zinc (8 tokens, 2 texts), not hot/cold (the
     * group's own words) */
    CHECK_NEAR(txh_sql_num(&h, "SELECT json_extract(json, '$.input_words') FROM xp_records WHERE kind = 'word_infer' ORDER BY id DESC LIMIT 1"), WORDS, 0);
    CHECK(txh_sql_num(&h, "SELECT json_extract(json, '$.groups[0].seconds') FROM xp_records WHERE kind = 'word_infer' ORDER BY id DESC LIMIT 1") >= 0);
    frame_free(f);
    txh_close(&h);
}

static void test_errors(const char *so)
{
    txh h;
    if (txh_open(&h, so, "word_infer")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "groups:\n  g: [a, b]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "column");
    CHECK_EQ_INT(txh_create(&h, "column: d\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "needs `groups:`");
    CHECK_EQ_INT(txh_create(&h, "column: d\ngroups:\n  g: [a]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "must list 2 to");
    CHECK_EQ_INT(txh_create(&h, "column: d\ngroups:\n  g: [a, \"b c\"]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "'b c' is not one word");
    CHECK_CONTAINS(h.call.msg, "test.yaml:");
    CHECK_EQ_INT(txh_create(&h, "column: d\ngroups:\n  g: [a, b]\n  k: [c, [d, A]]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "'a' is listed twice");
    CHECK_EQ_INT(txh_create(&h, "column: d\nwords: false\ngroups:\n  g: [a, b]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "nothing to read");
    CHECK_EQ_INT(txh_create(&h, "column: d\ntrees: 0\ngroups:\n  g: [a, b]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "trees");
    CHECK_EQ_INT(txh_create(&h, "column: d\nbins: 1\ngroups:\n  g: [a, b]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "bins");
    CHECK_EQ_INT(txh_create(&h, "column: d\nper_text: -1\ngroups:\n  g: [a, b]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "per_text");
    /* a frame without the column; an input named exactly that is absent; a numeric text column */
    CHECK_EQ_INT(txh_create(&h, "column: d\ninputs: [px]\ngroups:\n  g: [a, b]\n"), XP_OK);
    double v[2] = { 1, 2 };
    const char *t[2] = { "a x", "b x" };
    xp_frame *f = frame_new(2);
    fr_num(f, "px", XP_ROLE_FEATURE, v);
    CHECK_EQ_INT(txh_fit(&h, f), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "no column d");
    xp_frame *g = frame_new(2);
    fr_text(g, "d", t);
    CHECK(txh_fit(&h, g) != XP_OK);
    CHECK_CONTAINS(h.call.msg, "px");
    xp_frame *k = frame_new(2);
    fr_num(k, "d", XP_ROLE_FEATURE, v);
    fr_num(k, "px", XP_ROLE_FEATURE, v);
    CHECK_EQ_INT(txh_fit(&h, k), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "expected text or categorical");
    /* its own output existing already */
    xp_frame *u = frame_new(2);
    fr_text(u, "d", t);
    fr_num(u, "px", XP_ROLE_FEATURE, v);
    fr_num(u, "d_g_a", XP_ROLE_FEATURE, v);
    CHECK_EQ_INT(txh_fit(&h, u), XP_OK);
    CHECK_EQ_INT(txh_apply(&h, u), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "cannot add d_g_a");
    frame_free(f);
    frame_free(g);
    frame_free(k);
    frame_free(u);
    txh_close(&h);
}

/* heldout_check: false skips the accuracy check's first fit: the same outputs, no
 * heldout_accuracy in the record (and the default has one, so the check can tell). */
static void test_heldout_check_off(const char *so)
{
    static items it;
    make_items(&it, 11);
    xp_frame *te[2] = { NULL, NULL };
    double held[2];
    for (int v = 0; v < 2; v++) {
        txh h;
        if (txh_open(&h, so, "word_infer")) { CHECK(0); return; }
        char cfg[512];
        snprintf(cfg, sizeof cfg, "%s%s", CFG, v ? "heldout_check: false\n" : "");
        CHECK_EQ_INT(txh_create(&h, cfg), XP_OK);
        CHECK_EQ_INT(h.unused, 0);
        xp_frame *tr = items_frame(&it, 0, TRAIN);
        te[v] = items_frame(&it, TRAIN, ITEMS);
        CHECK_EQ_INT(txh_fit(&h, tr), XP_OK);
        CHECK_EQ_INT(txh_apply(&h, te[v]), XP_OK);
        held[v] = txh_sql_num(&h, "SELECT json_extract(json, '$.groups[0].heldout_accuracy') FROM xp_records WHERE kind = 'word_infer'");
        frame_free(tr);
        txh_close(&h);
    }
    CHECK(held[0] > 0.9);
    CHECK(isnan(held[1]));
    static const char *const cols[3] = { "r_shade_dark", "r_shade_mid", "r_shade_light" };
    size_t diff = 0, seen = 0;
    for (int c = 0; c < 3; c++) {
        const xp_column *a = frame_find(te[0], cols[c]), *b = frame_find(te[1], cols[c]);
        CHECK(a && b);
        for (size_t i = 0; a && b && i < te[0]->n_rows; i++, seen++) diff += a->num[i] != b->num[i];
    }
    CHECK_EQ_INT((int)seen, 3 * (ITEMS - TRAIN) * REPS);
    CHECK_EQ_INT((int)diff, 0);
    frame_free(te[0]);
    frame_free(te[1]);
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: %s word_infer.so\n", argv[0]); return 2; }
    test_learns(argv[1]);
    test_texts_weigh_the_same(argv[1]);
    test_categorical_and_prior(argv[1]);
    test_word_counting(argv[1]);
    test_per_text(argv[1]);
    test_per_text_weights(argv[1]);
    test_heldout_check_off(argv[1]);
    test_errors(argv[1]);
    return check_done();
}
