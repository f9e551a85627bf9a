/* pca: vector columns -> principal components fitted on the training rows. Checked against
 * an independent computation in this file (the row-weighted covariance, formed densely, and
 * power iteration), on vectors with a known low-rank structure shared by many rows. */
#include "check.h"
#include "harness.h"

enum { D = 40, NV = 300, NR = 1200 };

/* A frame of NR rows pointing at NV distinct vectors v = 3a e0 + b e1 + 0.05 noise; every
 * 7th row missing. */
static xp_frame *make(rng *r, int with_missing)
{
    xp_frame *f = frame_new(NR);
    xp_column *c = frame_add(f, "emb", XP_COL_VECTOR, XP_ROLE_FEATURE);
    float *d = col_vectors(c, D, NV);
    for (int v = 0; v < NV; v++) {
        double a = rng_normal(r), b = rng_normal(r);
        for (int t = 0; t < D; t++) d[v * D + t] = (float)(0.05 * rng_normal(r) + (t == 0 ? 3 * a : 0) + (t == 1 ? b : 0) + 0.5);
    }
    for (int i = 0; i < NR; i++)
        c->vec_row[i] = with_missing && i % 7 == 3 ? -1 : (int32_t)((i * i + 3 * i) % NV);
    double y[NR];
    for (int i = 0; i < NR; i++) y[i] = i;
    fr_num(f, "target", XP_ROLE_TARGET, y);
    return f;
}

/* Top eigenvector of the row-weighted covariance, the plain way. */
static void top_direction(const xp_frame *f, double *u, double *mean)
{
    const xp_column *c = frame_find(f, "emb");
    static double C[D * D];
    memset(C, 0, sizeof C);
    memset(mean, 0, D * sizeof *mean);
    size_t n = 0;
    for (size_t i = 0; i < f->n_rows; i++) {
        if (c->vec_row[i] < 0) continue;
        const float *x = c->vectors->data + (size_t)c->vec_row[i] * D;
        for (int t = 0; t < D; t++) mean[t] += x[t];
        n++;
    }
    for (int t = 0; t < D; t++) mean[t] /= (double)n;
    for (size_t i = 0; i < f->n_rows; i++) {
        if (c->vec_row[i] < 0) continue;
        const float *x = c->vectors->data + (size_t)c->vec_row[i] * D;
        for (int a = 0; a < D; a++)
            for (int b = 0; b < D; b++) C[a * D + b] += (x[a] - mean[a]) * (x[b] - mean[b]);
    }
    for (int t = 0; t < D; t++) u[t] = 1.0 / (t + 1);
    for (int it = 0; it < 500; it++) {
        double w[D] = { 0 }, nrm = 0;
        for (int a = 0; a < D; a++) for (int b = 0; b < D; b++) w[a] += C[a * D + b] * u[b];
        for (int a = 0; a < D; a++) nrm += w[a] * w[a];
        for (int a = 0; a < D; a++) u[a] = w[a] / sqrt(nrm);
    }
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    rng r = { 11 };
    txh h;
    if (txh_open(&h, argv[1], "pca")) return 1;

    xp_frame *train = make(&r, 1);
    double u[D], mean[D];
    top_direction(train, u, mean);
    CHECK_EQ_INT(txh_create(&h, "columns: [emb]\ncomponents: 3\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    CHECK_EQ_INT(txh_fit(&h, train), XP_OK);
    xp_frame *valid = frame_copy(train);
    CHECK_EQ_INT(txh_apply(&h, valid), XP_OK);
    CHECK(frame_find(valid, "emb") == NULL);                     /* dropped (keep: false) */
    xp_column *p1 = frame_find(valid, "emb_pc1"), *p3 = frame_find(valid, "emb_pc3");
    CHECK(p1 != NULL && p3 != NULL && frame_find(valid, "emb_pc4") == NULL);
    /* pc1 = (x - mean) . u up to sign, on every present row; NaN where the vector is missing. */
    const xp_column *c = frame_find(train, "emb");
    double sign = 0, worst = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < train->n_rows; i++) {
            if (c->vec_row[i] < 0) { CHECK(isnan(p1->num[i])); continue; }
            const float *x = c->vectors->data + (size_t)c->vec_row[i] * D;
            double want = 0;
            for (int t = 0; t < D; t++) want += (x[t] - mean[t]) * u[t];
            if (pass == 0) { if (sign == 0 && fabs(want) > 1) sign = p1->num[i] / want > 0 ? 1 : -1; continue; }
            worst = fmax(worst, fabs(p1->num[i] - sign * want));
        }
    CHECK(sign != 0);
    printf("pc1: largest difference from the dense computation %.3g\n", worst);
    CHECK(worst < 1e-4);
    CHECK(fabs(u[0]) > 0.999);                                   /* the planted direction */
    char *json = txh_record(&h, "pca");
    CHECK(json && strstr(json, "\"explained_variance_ratio\""));
    printf("record: %.300s\n", json ? json : "(none)");
    free(json);
    double ratio = txh_sql_num(&h, "SELECT json_extract(json, '$[0].explained_variance_ratio[0]') FROM xp_records WHERE kind = 'pca'");
    CHECK(ratio > 0.85 && ratio < 0.95);                         /* 9 / (9 + 1 + noise) */

    /* Another frame (its own table, other vectors) projects with what fit learned. */
    xp_frame *other = make(&r, 0);
    CHECK_EQ_INT(txh_apply(&h, other), XP_OK);
    CHECK(!isnan(frame_find(other, "emb_pc1")->num[3]));
    frame_free(other);

    /* whiten + keep: unit variance on the training rows, vector column kept. */
    CHECK_EQ_INT(txh_create(&h, "components: 2\nwhiten: true\nkeep: true\niterations: 8\n"), XP_OK);
    CHECK_EQ_INT(txh_fit(&h, train), XP_OK);
    xp_frame *t2 = frame_copy(train);
    CHECK_EQ_INT(txh_apply(&h, t2), XP_OK);
    CHECK(frame_find(t2, "emb") != NULL);
    const xp_column *w1 = frame_find(t2, "emb_pc2");
    double s = 0, ss = 0;
    size_t n = 0;
    for (size_t i = 0; i < t2->n_rows; i++) if (!isnan(w1->num[i])) { s += w1->num[i]; ss += w1->num[i] * w1->num[i]; n++; }
    CHECK_NEAR(ss / n - (s / n) * (s / n), 1.0, 1e-6);
    frame_free(t2);

    /* A named column that is no vector is an error naming it; bad options too. */
    CHECK_EQ_INT(txh_create(&h, "columns: [target]\n"), XP_OK);
    CHECK_EQ_INT(txh_fit(&h, train), XP_ECONFIG);
    CHECK(strstr(h.call.msg, "target is numeric, not a vector column") != NULL);
    CHECK_EQ_INT(txh_create(&h, "components: 0\n"), XP_ECONFIG);
    /* Fewer than 2 distinct vectors: a clear error. */
    xp_frame *one = frame_new(3);
    xp_column *oc = frame_add(one, "emb", XP_COL_VECTOR, XP_ROLE_FEATURE);
    col_vectors(oc, 4, 1);
    for (int i = 0; i < 3; i++) oc->vec_row[i] = 0;
    CHECK_EQ_INT(txh_create(&h, "{}"), XP_OK);
    CHECK_EQ_INT(txh_fit(&h, one), XP_EINVAL);
    CHECK(strstr(h.call.msg, "1 distinct vector(s)") != NULL);
    frame_free(one);

    frame_free(valid);
    frame_free(train);
    txh_close(&h);
    return check_done();
}
