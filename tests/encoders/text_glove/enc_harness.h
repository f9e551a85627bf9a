/* enc_harness.h — tests/transforms/harness.h for encoder plugins: loads an XP_KIND_ENCODER
 * .so through the real registry, then the transform harness's txh_create / txh_fit /
 * txh_apply / txh_record / txh_close work unchanged (xp_encoder_ops is xp_transform_ops).
 *
 *     txh h;
 *     if (enc_open(&h, argv[1], "text_glove")) return 1;
 *     CHECK_EQ_INT(txh_create(&h, "column: description\n"), XP_OK);
 */
#ifndef XP_TESTS_ENC_HARNESS_H
#define XP_TESTS_ENC_HARNESS_H

#include "transforms/harness.h"

static inline int enc_open(txh *h, const char *so_path, const char *name)
{
    memset(h, 0, sizeof *h);
    const char *v = getenv("XP_TEST_VERBOSE");
    h->env.verbosity = v && *v ? XP_LOG_DEBUG : XP_LOG_ERROR;
    h->env.threads = 1;
    h->env.seed = 7;
    char err[1024];
    h->reg = registry_new();
    if (!h->reg || registry_load_file(h->reg, so_path, err, sizeof err)) {
        fprintf(stderr, "cannot load %s: %s\n", so_path, h->reg ? err : "out of memory");
        return -1;
    }
    const xp_plugin *p = registry_find(h->reg, XP_KIND_ENCODER, name);
    if (!p) {
        fprintf(stderr, "%s does not provide encoder plugin %s\n", so_path, name);
        return -1;
    }
    h->ops = p->ops;
    static int opened = 0;
    snprintf(h->db, sizeof h->db, "/tmp/xp_enc_test_%ld_%d.db", (long)getpid(), opened++);
    unlink(h->db);
    int64_t study;
    store_run_info info = { .name = "encoders-test", .config_yaml = "{}",
                            .config_sha256 = "0", .seed = 7, .host = "test", .command = "test" };
    if (store_open(h->db, &h->st, err, sizeof err) ||
        store_study_open(h->st, "encoders-test", 1, &study) ||
        store_run_begin(h->st, study, &info, &h->env.run_id)) {
        fprintf(stderr, "store: %s\n", h->st ? store_errmsg(h->st) : err);
        return -1;
    }
    h->env.store = h->st;
    txh_ctx(h);
    return 0;
}

/* Row i's vector (NULL when missing). */
static inline const float *enc_vec(const xp_column *c, size_t i)
{
    if (!c || c->type != XP_COL_VECTOR || c->vec_row[i] < 0 || !c->vectors) return NULL;
    return c->vectors->data + (size_t)c->vec_row[i] * c->dim;
}

#endif
