/* test_edges.c — every transform on degenerate frames: no rows, one row, all values missing,
 * categorical codes without rows, no config node. Each stage must succeed (these frames are legal) and leave
 * a frame whose columns all have the frame's row count; run under ASan/UBSan this is the
 * "no crash on odd input" check.
 *
 *     ./test_edges build/plugins/transforms        # the folder holding <name>/<name>.so
 */
#include "check.h"
#include "harness.h"

static const struct { const char *plugin, *yaml; } STAGES[] = {
    { "profile", "{}\n" },
    { "parse_prefixed", "{}\n" },
    { "parse_prefixed", "columns: [c, t]\n" },
    { "quantity", "{}\n" },
    { "placeholders", "mode: auto\n" },
    { "placeholders", "codes: {\"*\": [-5, -2]}\n" },
    { "drop_columns", "{}\n" },
    { "impute", "indicators: true\nskip_categorical: false\n" },
    { "categorical", "columns: [x, c, t]\nmax_levels: 5\n" },
    { "target_log", "{}\n" },
    { "set_role", "roles: {t: ignore}\n" },
    { "cluster_gmm", "{}\n" },
    { "cluster_gmm", "threshold: 0.01\nmin_size: 2\nclasses: 3\n" },
    { "rank_gauss", "{}\n" },
    { "rank_gauss", "quantiles: 2\n" },
    { "ridge_encode", "columns: [x, b, \"w_*\"]\nout: enc\ngroup: t\n" },
    { "image_stats", "column: v\n" },
    { "word_infer", "column: t\ninputs: [x, b]\nmin_labelled: 2\ngroups:\n  g: [sh, \"4\"]\n" },
};

/* n rows; every value missing except `quantity` (-2) and, with `present`, a few others.
 * With `pixels`, also a vector column v of 8 x 8 RGB pictures: with `present`, every other
 * row shows one all-black picture. */
static xp_frame *odd_frame(size_t n, int present, int pixels)
{
    xp_frame *f = frame_new(n);
    xp_column *q = fr_col(f, "quantity", XP_COL_NUMERIC, XP_ROLE_FEATURE);
    xp_column *x = fr_col(f, "x", XP_COL_NUMERIC, XP_ROLE_FEATURE);
    xp_column *c = fr_col(f, "c", XP_COL_CATEGORICAL, XP_ROLE_FEATURE);
    xp_column *t = fr_col(f, "t", XP_COL_TEXT, XP_ROLE_FEATURE);
    xp_column *b = fr_col(f, "b", XP_COL_BOOL, XP_ROLE_FEATURE);
    xp_column *y = fr_col(f, "target", XP_COL_NUMERIC, XP_ROLE_TARGET);
    col_level(c, "nr_1");   /* a level no row uses */
    xp_column *v = NULL;
    if (pixels) {
        v = frame_add(f, "v", XP_COL_VECTOR, XP_ROLE_FEATURE);
        float *d = col_vectors(v, 3 * 8 * 8, present ? 1 : 0);
        if (present && d) memset(d, 0, 3 * 8 * 8 * sizeof *d);
        for (size_t i = 0; i < n; i++) v->vec_row[i] = -1;
    }
    for (size_t i = 0; i < n; i++) {
        q->num[i] = -2;
        if (present && i % 2 == 0) {
            x->num[i] = -5;
            c->codes[i] = 0;
            col_set_text(t, i, "sh_3");
            b->num[i] = 1;
            y->num[i] = 7;
            if (v) v->vec_row[i] = 0;
        }
    }
    return f;
}

static void check_shape(const xp_frame *f, const char *what)
{
    for (size_t j = 0; j < f->n_cols; j++) {
        const xp_column *c = f->cols[j];
        int ok = c->name && (c->type == XP_COL_NUMERIC || c->type == XP_COL_BOOL ? c->num != NULL
                             : c->type == XP_COL_CATEGORICAL ? c->codes != NULL
                             : c->type == XP_COL_VECTOR ? c->vec_row != NULL || f->n_rows == 0
                                                             : c->text != NULL);
        if (!ok) fprintf(stderr, "  %s: column %zu is broken\n", what, j);
        CHECK(ok);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PLUGIN_DIR\n", argv[0]);
        return 2;
    }
    static const size_t rows[] = { 0, 1, 5 };
    for (size_t s = 0; s < sizeof STAGES / sizeof *STAGES; s++) {
        char so[4096];
        snprintf(so, sizeof so, "%s/%s/%s.so", argv[1], STAGES[s].plugin, STAGES[s].plugin);
        txh h;
        if (txh_open(&h, so, STAGES[s].plugin)) { CHECK(0); continue; }
        for (size_t r = 0; r < sizeof rows / sizeof *rows; r++)
            for (int present = 0; present <= 1; present++) {
                CHECK_EQ_INT(txh_create(&h, STAGES[s].yaml), XP_OK);
                int pixels = strcmp(STAGES[s].plugin, "image_stats") == 0;
                xp_frame *train = odd_frame(rows[r], present, pixels), *valid = odd_frame(rows[r], 1, pixels);
                int rc = txh_fit_apply(&h, train);
                if (!rc) rc = txh_apply(&h, valid);
                if (rc)
                    fprintf(stderr, "  %s (%s) on %zu rows, present=%d: %s\n", STAGES[s].plugin,
                            STAGES[s].yaml, rows[r], present, h.call.msg);
                CHECK_EQ_INT(rc, XP_OK);
                check_shape(train, STAGES[s].plugin);
                check_shape(valid, STAGES[s].plugin);
                frame_free(train);
                frame_free(valid);
            }
        /* No config node at all behaves as an empty map: defaults, or a clear error. */
        void *state = NULL;
        int rc = h.ops->create(txh_ctx(&h), NULL, &state);
        if (strcmp(STAGES[s].plugin, "set_role") == 0) {
            CHECK_EQ_INT(rc, XP_ECONFIG);
            CHECK_CONTAINS(h.call.msg, "needs `roles`");
        } else if (strcmp(STAGES[s].plugin, "ridge_encode") == 0) {
            CHECK_EQ_INT(rc, XP_ECONFIG);
            CHECK_CONTAINS(h.call.msg, "needs `columns:`");
        } else if (strcmp(STAGES[s].plugin, "image_stats") == 0) {
            CHECK_EQ_INT(rc, XP_ECONFIG);
            CHECK_CONTAINS(h.call.msg, "needs `column:`");
        } else if (strcmp(STAGES[s].plugin, "word_infer") == 0) {
            CHECK_EQ_INT(rc, XP_ECONFIG);
            CHECK_CONTAINS(h.call.msg, "column");
        } else {
            CHECK_EQ_INT(rc, XP_OK);
        }
        if (!rc) h.ops->destroy(state);
        txh_close(&h);
    }
    return check_done();
}
