/* tests/config/test_config.c — unit tests for core/config.c (load, extends, overrides, typed
 * reads, enumerated values, unused keys, printing, malformed input).
 *
 *     test_config tests/config/fixtures       (meson passes the fixture folder)
 *
 * Positions (line:col) and messages are checked exactly where the runner shows them to users.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"

static const char *fixdir = ".";

static const char *fx(const char *name)
{
    static char bufs[4][2048];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", fixdir, name);
    return b;
}

static char err[4096];

static xp_cfg *load_str(const char *text)
{
    err[0] = '\0';
    xp_cfg *c = cfg_load_string(text, "t.yaml", err, sizeof err);
    if (!c)
        fprintf(stderr, "unexpected load failure: %s\n", err);
    return c;
}

/* Loading must fail with exactly `msg`. */
static void load_str_fails(const char *text, const char *msg, int line)
{
    err[0] = '\0';
    xp_cfg *c = cfg_load_string(text, "t.yaml", err, sizeof err);
    if (c) {
        fprintf(stderr, "test_config.c:%d: load unexpectedly succeeded\n", line);
        cfg_free(c);
    }
    CHECK(c == NULL);
    if (strcmp(err, msg))
        fprintf(stderr, "test_config.c:%d: message differs\n", line);
    CHECK_STR(err, msg);
}
#define LOAD_FAILS(text, msg) load_str_fails(text, msg, __LINE__)

/* Same kinds, scalar texts, quotedness, keys and key order. */
static int same_tree(const xp_cfg *a, const xp_cfg *b)
{
    if (cfg_kind(a) != cfg_kind(b) || cfg_len(a) != cfg_len(b))
        return 0;
    if (cfg_kind(a) == XP_CFG_SCALAR)
        return !strcmp(cfg_scalar(a), cfg_scalar(b)) && cfg_scalar_quoted(a) == cfg_scalar_quoted(b);
    for (size_t i = 0; i < cfg_len(a); i++) {
        if (cfg_kind(a) == XP_CFG_MAP && strcmp(cfg_key_at(a, i), cfg_key_at(b, i)))
            return 0;
        if (!same_tree(cfg_at(a, i), cfg_at(b, i)))
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ load */

static void test_load_basic(void)
{
    xp_cfg *r = cfg_load_file(fx("basic.yaml"), err, sizeof err);
    CHECK(r != NULL);
    if (!r) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_EQ_INT(cfg_kind(r), XP_CFG_MAP);
    CHECK_EQ_INT(cfg_len(r), 11);
    CHECK_STR(cfg_key_at(r, 0), "name");
    CHECK_STR(cfg_key_at(r, 10), "text");
    CHECK_STR(cfg_scalar(cfg_get(r, "name")), "demo");

    const xp_cfg *seed = cfg_get(r, "seed");
    CHECK_STR(cfg_scalar(seed), "42");
    CHECK_EQ_INT(cfg_line(seed), 3);
    CHECK_EQ_INT(cfg_col(seed), 7);
    CHECK_STR(cfg_keypath(seed), "seed");
    CHECK_STR(cfg_file(seed), fx("basic.yaml"));

    const xp_cfg *q = cfg_get(r, "quoted_num");
    CHECK_EQ_INT(cfg_kind(q), XP_CFG_SCALAR);
    CHECK_EQ_INT(cfg_scalar_quoted(q), 1);
    CHECK_EQ_INT(cfg_scalar_quoted(seed), 0);
    CHECK_STR(cfg_scalar(cfg_get(r, "empty_str")), "");
    CHECK_EQ_INT(cfg_kind(cfg_get(r, "empty_str")), XP_CFG_SCALAR);
    CHECK_EQ_INT(cfg_kind(cfg_get(r, "nothing")), XP_CFG_NULL);
    CHECK_EQ_INT(cfg_kind(cfg_get(r, "tilde")), XP_CFG_NULL);
    CHECK(cfg_scalar(cfg_get(r, "nothing")) == NULL);
    CHECK_EQ_INT(cfg_kind(cfg_get(r, "absent")), XP_CFG_MISSING);
    CHECK_STR(cfg_scalar(cfg_get(r, "text")), "line one\nline two\n");
    CHECK_EQ_INT(cfg_scalar_quoted(cfg_get(r, "text")), 1); /* block scalars are strings */

    const xp_cfg *search = cfg_get(r, "search");
    CHECK_EQ_INT(cfg_kind(search), XP_CFG_MAP);
    CHECK_EQ_INT(cfg_line(search), 11);
    CHECK_EQ_INT(cfg_col(search), 3);
    const xp_cfg *eta = cfg_path(r, "search.space.eta");
    CHECK_EQ_INT(cfg_kind(eta), XP_CFG_LIST);
    CHECK_EQ_INT(cfg_len(eta), 2);
    CHECK_EQ_INT(cfg_line(eta), 14);
    CHECK_EQ_INT(cfg_col(eta), 10);
    CHECK_STR(cfg_scalar(cfg_at(eta, 1)), "0.3");
    CHECK_EQ_INT(cfg_col(cfg_at(eta, 1)), 17);
    CHECK_STR(cfg_keypath(cfg_at(eta, 1)), "search.space.eta[1]");
    CHECK(cfg_at(eta, 2) == NULL);

    const xp_cfg *rounds = cfg_path(r, "models[1].rounds");
    CHECK_STR(cfg_scalar(rounds), "200");
    CHECK_STR(cfg_keypath(rounds), "models[1].rounds");
    CHECK_EQ_INT(cfg_line(rounds), 20);
    CHECK_EQ_INT(cfg_col(rounds), 13);
    CHECK(cfg_path(r, "models[2].rounds") == NULL);
    CHECK(cfg_path(r, "models.rounds") == NULL);
    CHECK(cfg_path(r, "search..trials") == NULL);
    CHECK(cfg_path(r, "search.trials[") == NULL);
    CHECK(cfg_path(r, "") == r);

    char want[2200];
    snprintf(want, sizeof want, "%s:20:13 (models[1].rounds)", fx("basic.yaml"));
    CHECK_STR(cfg_where(rounds), want);
    /* a second call must not clobber what a first call returned in the same expression */
    const char *w1 = cfg_where(rounds), *w2 = cfg_where(seed);
    CHECK_STR(w1, want);
    CHECK_CONTAINS(w2, "basic.yaml:3:7 (seed)");
    snprintf(want, sizeof want, "%s:2:1", fx("basic.yaml"));
    CHECK_STR(cfg_where(r), want);
    CHECK_STR(cfg_where(NULL), "(no config)");
    CHECK_EQ_INT(cfg_kind(NULL), XP_CFG_MISSING);
    CHECK_EQ_INT(cfg_len(NULL), 0);
    CHECK(cfg_get(NULL, "x") == NULL);
    CHECK(cfg_get(seed, "x") == NULL);
    cfg_free(r);

    CHECK(cfg_load_file(fx("no_such.yaml"), err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "no_such.yaml: cannot read: No such file or directory");
    CHECK(cfg_load_file(fixdir, err, sizeof err) == NULL); /* a directory */
    CHECK_CONTAINS(err, "cannot read");
}

static void test_anchors(void)
{
    xp_cfg *r = load_str("base: &b {eta: 0.1, depth: [1, 2]}\n"
                         "copy: *b\n"
                         "n: &n 5\n"
                         "m: *n\n");
    CHECK(r != NULL);
    if (!r)
        return;
    const xp_cfg *copy = cfg_get(r, "copy");
    CHECK_EQ_INT(cfg_kind(copy), XP_CFG_MAP);
    CHECK_STR(cfg_keypath(cfg_path(r, "copy.depth[1]")), "copy.depth[1]");
    CHECK_EQ_INT(cfg_line(copy), 2);
    CHECK_EQ_INT(cfg_col(copy), 7);
    CHECK_STR(cfg_scalar(cfg_get(r, "m")), "5");
    /* each copy has its own "used" flag */
    cfg_get(cfg_get(r, "base"), "eta");
    cfg_get(r, "n");
    cfg_get(r, "m");
    CHECK_EQ_INT(cfg_unused(r, NULL, NULL), 2); /* base.depth, and copy (its key was never read) */
    cfg_free(r);

    LOAD_FAILS("a: *nope\n", "t.yaml:1:4: a: alias '*nope' has no anchor '&nope' defined before it "
                             "(an alias cannot refer to a node that contains it)");
    LOAD_FAILS("a: &x {b: *x}\n", "t.yaml:1:11: a.b: alias '*x' has no anchor '&x' defined before it "
                                  "(an alias cannot refer to a node that contains it)");
    /* "billion laughs": each level doubles; must stop, not eat memory */
    char bomb[4096];
    size_t k = (size_t)snprintf(bomb, sizeof bomb, "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 12; i++)
        k += (size_t)snprintf(bomb + k, sizeof bomb - k, "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n",
                              i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    CHECK(cfg_load_string(bomb, "t.yaml", err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "aliases expand to more than 100000 nodes");
}

/* ------------------------------------------------------------------ extends */

static void test_extends(void)
{
    xp_cfg *r = cfg_load_file(fx("child.yaml"), err, sizeof err);
    CHECK(r != NULL);
    if (!r) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK(cfg_get(r, "extends") == NULL);
    CHECK_EQ_INT(cfg_len(r), 4);
    CHECK_STR(cfg_key_at(r, 0), "data"); /* bases' keys first, in their order */
    CHECK_STR(cfg_key_at(r, 1), "model");
    CHECK_STR(cfg_key_at(r, 2), "seed");
    CHECK_STR(cfg_key_at(r, 3), "extra");
    /* deep merge: child's eta, base's depth and kind, child's new key */
    CHECK_STR(cfg_scalar(cfg_path(r, "model.params.eta")), "0.05");
    CHECK_STR(cfg_scalar(cfg_path(r, "model.params.depth")), "6");
    CHECK_STR(cfg_scalar(cfg_path(r, "model.kind")), "xgb");
    CHECK_STR(cfg_scalar(cfg_path(r, "model.rounds")), "300");
    CHECK_STR(cfg_scalar(cfg_path(r, "seed")), "7");
    /* lists are replaced whole */
    const xp_cfg *cols = cfg_path(r, "data.columns");
    CHECK_EQ_INT(cfg_len(cols), 1);
    CHECK_STR(cfg_scalar(cfg_at(cols, 0)), "x");
    /* every node remembers its own file */
    CHECK_STR(cfg_file(cfg_path(r, "data.path")), fx("base.yaml"));
    CHECK_EQ_INT(cfg_line(cfg_path(r, "data.path")), 2);
    CHECK_EQ_INT(cfg_col(cfg_path(r, "data.path")), 9);
    CHECK_STR(cfg_file(cfg_path(r, "model.params.eta")), fx("child.yaml"));
    CHECK_EQ_INT(cfg_line(cfg_path(r, "model.params.eta")), 4);
    CHECK_STR(cfg_file(cfg_path(r, "model.params.depth")), fx("base.yaml"));
    CHECK_STR(cfg_file(r), fx("child.yaml"));
    cfg_free(r);

    r = cfg_load_file(fx("multi.yaml"), err, sizeof err);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(cfg_scalar(cfg_path(r, "model.kind")), "lgbm");  /* later base wins */
        CHECK_STR(cfg_scalar(cfg_path(r, "model.params.eta")), "0.1");
        CHECK_STR(cfg_scalar(cfg_path(r, "seed")), "2");
        CHECK_STR(cfg_scalar(cfg_path(r, "trainer.epochs")), "5");
        CHECK_STR(cfg_scalar(cfg_path(r, "trainer.lr")), "0.001");
        CHECK_STR(cfg_file(cfg_path(r, "trainer.epochs")), fx("other.yaml"));
        CHECK_EQ_INT(cfg_len(cfg_path(r, "data.columns")), 3);
        cfg_free(r);
    }

    /* relative paths: sub/rel.yaml -> ../child.yaml -> base.yaml (relative to child.yaml) */
    r = cfg_load_file(fx("sub/rel.yaml"), err, sizeof err);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(cfg_scalar(cfg_path(r, "seed")), "99");
        CHECK_STR(cfg_scalar(cfg_path(r, "model.params.eta")), "0.05");
        CHECK_STR(cfg_file(cfg_path(r, "data.target")), fx("sub/../base.yaml"));
        cfg_free(r);
    } else {
        fprintf(stderr, "%s\n", err);
    }

    char want[4096];
    CHECK(cfg_load_file(fx("cycle_a.yaml"), err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s:1:22: extends[1]: cycle: %s -> %s -> %s", fx("cycle_b.yaml"),
             fx("cycle_a.yaml"), fx("cycle_b.yaml"), fx("cycle_a.yaml"));
    CHECK_STR(err, want);
    CHECK(cfg_load_file(fx("self.yaml"), err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s:1:10: extends: cycle: %s -> %s", fx("self.yaml"), fx("self.yaml"),
             fx("self.yaml"));
    CHECK_STR(err, want);
    CHECK(cfg_load_file(fx("missing_base.yaml"), err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s:2:10: extends: cannot open '%s': No such file or directory",
             fx("missing_base.yaml"), fx("no_such_file.yaml"));
    CHECK_STR(err, want);
    CHECK(cfg_load_file(fx("bad_extends.yaml"), err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s:1:10: extends: expected a file name or a list of file names, got a map",
             fx("bad_extends.yaml"));
    CHECK_STR(err, want);
    /* a syntax error in a base names the base */
    CHECK(cfg_load_file(fx("bad_base.yaml"), err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s:3:1: YAML syntax error", fx("unterminated.yaml"));
    CHECK_CONTAINS(err, want);

    /* from a string: relative to the name's folder */
    char text[2048];
    snprintf(text, sizeof text, "extends: [base.yaml, {x: 1}]\n");
    char name[2100];
    snprintf(name, sizeof name, "%s/virtual.yaml", fixdir);
    CHECK(cfg_load_string(text, name, err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s:1:22: extends[1]: expected a file name, got a map", name);
    CHECK_STR(err, want);
    r = cfg_load_string("extends: base.yaml\nseed: 5\n", name, err, sizeof err);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(cfg_scalar(cfg_get(r, "seed")), "5");
        CHECK_STR(cfg_scalar(cfg_path(r, "model.kind")), "xgb");
        cfg_free(r);
    }
    /* `extends` below the top level is an ordinary key */
    r = load_str("a:\n  extends: x.yaml\n");
    CHECK_STR(cfg_scalar(cfg_path(r, "a.extends")), "x.yaml");
    cfg_free(r);
}

/* ------------------------------------------------------------------ overrides */

static void test_overrides(void)
{
    xp_cfg *r = cfg_load_file(fx("basic.yaml"), err, sizeof err);
    CHECK(r != NULL);
    if (!r)
        return;
    /* 1: set existing */
    CHECK_EQ_INT(cfg_override(r, "search.trials=5", err, sizeof err), XP_OK);
    const xp_cfg *t = cfg_path(r, "search.trials");
    CHECK_STR(cfg_scalar(t), "5");
    CHECK_STR(cfg_file(t), "<override 1: search.trials=5>");
    CHECK_EQ_INT(cfg_line(t), 1);
    CHECK_EQ_INT(cfg_col(t), 15);
    CHECK_STR(cfg_keypath(t), "search.trials");
    CHECK_STR(cfg_where(t), "<override 1: search.trials=5>:1:15 (search.trials)");

    /* 2: set missing is an error; the tree is unchanged */
    CHECK_EQ_INT(cfg_override(r, "search.trals=5", err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "<override 2: search.trals=5>: search.trals: no such key (use +search.trals=... to add it, "
                   "++search.trals=... to set or add)");
    CHECK(cfg_path(r, "search.trals") == NULL);
    CHECK_EQ_INT(cfg_override(r, "nope.deep=5", err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "<override 3: nope.deep=5>: nope: no such key");

    /* 4: add */
    CHECK_EQ_INT(cfg_override(r, "+search.timeout=60", err, sizeof err), XP_OK);
    const xp_cfg *to = cfg_path(r, "search.timeout");
    CHECK_STR(cfg_scalar(to), "60");
    CHECK_STR(cfg_key_at(cfg_get(r, "search"), 3), "timeout"); /* appended */
    CHECK_EQ_INT(cfg_col(to), 17);
    /* 5: add existing is an error */
    CHECK_EQ_INT(cfg_override(r, "+search.trials=6", err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "<override 5: +search.trials=6>: search.trials: already set at <override 1: search.trials=5>:1:15"
                   " (use ++search.trials=... to override it)");
    char want[2200];
    CHECK_EQ_INT(cfg_override(r, "+seed=6", err, sizeof err), XP_ECONFIG);
    snprintf(want, sizeof want, "<override 6: +seed=6>: seed: already set at %s:3:7 (use ++seed=... to override it)",
             fx("basic.yaml"));
    CHECK_STR(err, want);
    /* 7, 8: ++ sets or adds; + creates the maps on the way */
    CHECK_EQ_INT(cfg_override(r, "++seed=7", err, sizeof err), XP_OK);
    CHECK_STR(cfg_scalar(cfg_get(r, "seed")), "7");
    CHECK_EQ_INT(cfg_override(r, "++new.deep.key=[1, 2]", err, sizeof err), XP_OK);
    const xp_cfg *nk = cfg_path(r, "new.deep.key");
    CHECK_EQ_INT(cfg_kind(nk), XP_CFG_LIST);
    CHECK_STR(cfg_keypath(cfg_at(nk, 1)), "new.deep.key[1]");
    CHECK_EQ_INT(cfg_col(cfg_at(nk, 1)), 20);
    CHECK_STR(cfg_file(cfg_path(r, "new.deep")), "<override 8: ++new.deep.key=[1, 2]>");
    CHECK_EQ_INT(cfg_col(cfg_path(r, "new.deep")), 7);

    /* values: maps, null, quoted strings, empty string, URLs */
    CHECK_EQ_INT(cfg_override(r, "search.space.depth={low: 1, high: 4}", err, sizeof err), XP_OK);
    CHECK_STR(cfg_scalar(cfg_path(r, "search.space.depth.high")), "4");
    CHECK_STR(cfg_keypath(cfg_path(r, "search.space.depth.high")), "search.space.depth.high");
    CHECK_EQ_INT(cfg_override(r, "name=null", err, sizeof err), XP_OK);
    CHECK_EQ_INT(cfg_kind(cfg_get(r, "name")), XP_CFG_NULL);
    CHECK_EQ_INT(cfg_override(r, "name='null'", err, sizeof err), XP_OK);
    CHECK_STR(cfg_scalar(cfg_get(r, "name")), "null");
    CHECK_EQ_INT(cfg_scalar_quoted(cfg_get(r, "name")), 1);
    CHECK_EQ_INT(cfg_override(r, "name=\"a, b\"", err, sizeof err), XP_OK);
    CHECK_STR(cfg_scalar(cfg_get(r, "name")), "a, b");
    CHECK_EQ_INT(cfg_override(r, "name=", err, sizeof err), XP_OK);
    CHECK_STR(cfg_scalar(cfg_get(r, "name")), "");
    CHECK_EQ_INT(cfg_scalar_quoted(cfg_get(r, "name")), 1);
    CHECK_EQ_INT(cfg_override(r, "name=http://host/a?b=c", err, sizeof err), XP_OK);
    CHECK_STR(cfg_scalar(cfg_get(r, "name")), "http://host/a?b=c");
    CHECK_EQ_INT(cfg_override(r, "name=hello world # not a comment? it is", err, sizeof err), XP_OK);
    CHECK_STR(cfg_scalar(cfg_get(r, "name")), "hello world");
    CHECK_EQ_INT(cfg_override(r, "name=a=b", err, sizeof err), XP_OK); /* first '=' splits */
    CHECK_STR(cfg_scalar(cfg_get(r, "name")), "a=b");

    /* list items by index */
    CHECK_EQ_INT(cfg_override(r, "models[0].rounds=150", err, sizeof err), XP_OK);
    CHECK_STR(cfg_scalar(cfg_path(r, "models[0].rounds")), "150");
    CHECK_EQ_INT(cfg_override(r, "search.space.eta[1]=0.5", err, sizeof err), XP_OK);
    CHECK_STR(cfg_scalar(cfg_path(r, "search.space.eta[1]")), "0.5");
    CHECK_STR(cfg_keypath(cfg_path(r, "search.space.eta[1]")), "search.space.eta[1]");

    /* errors that leave the tree alone */
    unsigned n = 0;
    struct { const char *ov; const char *msg; } bad[] = {
        {"models[5].rounds=1", "models[5]: index out of range (the list has 2 items)"},
        {"+models[0]=1", "models[0]: '+' adds map keys, not list items (set the item with models[0]=..., or the whole list)"},
        {"seed.x=1", "seed: is a scalar ("},
        {"search[0]=1", "search: is a map ("},
        {"a..b=1", "bad key path 'a..b' (expected a.b.c, with [N] for list items)"},
        {"=1", "bad key path '' (expected"},
        {"a[x]=1", "bad key path 'a[x]'"},
        {"seed", "expected KEY=VALUE (or ~KEY to delete a key)"},
        {"+seed", "expected +KEY=VALUE"},
        {"seed=1,2", "expected one YAML value, got 2 (quote a value that contains ',' or brackets)"},
        {"seed=[1", "YAML syntax error"},
        {"seed=\"abc", "YAML syntax error: found unexpected end of stream"},
        {"seed=@x", ":1:6: YAML syntax error: found character that cannot start any token"},
        {"seed=!!int 3", ":1:6: seed: unsupported YAML tag '!!int'"},
        {"+nope[0].x=1", "nope: no such key, so it has no item [0]"},
        {"~nope", "nope: no such key to delete"},
        {"~seed=8", "seed: not deleted: its value is '7' ("},
        {"~models[0]=5", "models[0]: not deleted: its value is a map, not the one given"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *before = cfg_to_yaml(r);
        err[0] = '\0';
        int rc = cfg_override(r, bad[i].ov, err, sizeof err);
        if (rc == XP_OK)
            fprintf(stderr, "override %s unexpectedly succeeded\n", bad[i].ov);
        CHECK(rc < 0);
        CHECK_CONTAINS(err, bad[i].msg);
        char *after = cfg_to_yaml(r);
        CHECK_STR(after, before);
        free(before);
        free(after);
        n++;
    }
    CHECK_EQ_INT(n, sizeof bad / sizeof bad[0]);

    /* deletes */
    CHECK_EQ_INT(cfg_override(r, "~search.sampler", err, sizeof err), XP_OK);
    CHECK(cfg_path(r, "search.sampler") == NULL);
    CHECK_EQ_INT(cfg_override(r, "~seed=7", err, sizeof err), XP_OK);
    CHECK(cfg_get(r, "seed") == NULL);
    CHECK_EQ_INT(cfg_override(r, "~new.deep.key=[1, 2]", err, sizeof err), XP_OK);
    CHECK_EQ_INT(cfg_len(cfg_path(r, "new.deep")), 0);
    CHECK_EQ_INT(cfg_override(r, "~search.space.depth={high: 4, low: 1}", err, sizeof err), XP_OK); /* order-free */
    CHECK(cfg_path(r, "search.space.depth") == NULL);
    CHECK_EQ_INT(cfg_override(r, "~quoted_num=3", err, sizeof err), XP_ECONFIG); /* "3" is a string, 3 is not */
    CHECK_EQ_INT(cfg_override(r, "~quoted_num='3'", err, sizeof err), XP_OK);
    CHECK_EQ_INT(cfg_override(r, "~models[0]", err, sizeof err), XP_OK);
    CHECK_EQ_INT(cfg_len(cfg_get(r, "models")), 1);
    const xp_cfg *m0 = cfg_path(r, "models[0].name");
    CHECK_STR(cfg_scalar(m0), "lgbm");
    CHECK_STR(cfg_keypath(m0), "models[0].name"); /* renumbered */
    cfg_free(r);

    /* cfg_set: set or add, intermediate maps created */
    r = load_str("a: 1\n");
    CHECK_EQ_INT(cfg_set(r, "b.c", "{d: [x]}", err, sizeof err), XP_OK);
    const xp_cfg *d = cfg_path(r, "b.c.d[0]");
    CHECK_STR(cfg_scalar(d), "x");
    CHECK_STR(cfg_file(d), "<set b.c={d: [x]}>");
    CHECK_EQ_INT(cfg_col(d), 10);
    CHECK_EQ_INT(cfg_set(r, "a", "2", err, sizeof err), XP_OK);
    CHECK_STR(cfg_scalar(cfg_get(r, "a")), "2");
    CHECK_EQ_INT(cfg_set(r, "a.x", "2", err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "<set a.x=2>: a: is a scalar (<set a=2>:1:3), not a map");
    CHECK_EQ_INT(cfg_override(NULL, "a=1", err, sizeof err), XP_EINVAL);
    cfg_free(r);
}

/* ------------------------------------------------------------------ typed reads */

static void test_typed(void)
{
    xp_cfg *r = load_str("i: 42\n"
                         "neg: -7\n"
                         "plus: +3\n"
                         "f: 3.5\n"
                         "abc: abc\n"
                         "big: 9223372036854775808\n"
                         "min: -9223372036854775808\n"
                         "q: \"3\"\n"
                         "nul: null\n"
                         "lst: [1]\n"
                         "mp: {a: 1}\n"
                         "exp: 1e3\n"
                         "dot: .5\n"
                         "trail: 5.\n"
                         "inf: .inf\n"
                         "ninf: -.Inf\n"
                         "nan: .NaN\n"
                         "nan2: nan\n"
                         "inf2: -inf\n"
                         "huge: 1e999\n"
                         "hex: 0x10\n"
                         "t: true\n"
                         "T: True\n"
                         "F: FALSE\n"
                         "yes: yes\n"
                         "s: hello\n"
                         "empty: ''\n"
                         "sub:\n"
                         "  x: 1\n");
    CHECK(r != NULL);
    if (!r)
        return;
    int64_t i = -1;
    CHECK_EQ_INT(cfg_read_int(r, "i", 1, &i, err, sizeof err), XP_OK);
    CHECK_EQ_INT(i, 42);
    CHECK_EQ_INT(cfg_read_int(r, "neg", 1, &i, err, sizeof err), XP_OK);
    CHECK_EQ_INT(i, -7);
    CHECK_EQ_INT(cfg_read_int(r, "plus", 1, &i, err, sizeof err), XP_OK);
    CHECK_EQ_INT(i, 3);
    CHECK_EQ_INT(cfg_read_int(r, "min", 1, &i, err, sizeof err), XP_OK);
    CHECK(i == INT64_MIN);
    CHECK_EQ_INT(cfg_read_int(r, "f", 1, &i, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:4:4: f: expected an integer, got '3.5'");
    CHECK_EQ_INT(cfg_read_int(r, "abc", 1, &i, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:5:6: abc: expected an integer, got 'abc'");
    CHECK_EQ_INT(cfg_read_int(r, "big", 1, &i, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:6:6: big: expected an integer, got '9223372036854775808' (out of the 64-bit range)");
    CHECK_EQ_INT(cfg_read_int(r, "q", 1, &i, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:8:4: q: expected an integer, got \"3\" (a quoted string)");
    CHECK_EQ_INT(cfg_read_int(r, "nul", 1, &i, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:9:6: nul: expected an integer, got null");
    CHECK_EQ_INT(cfg_read_int(r, "lst", 1, &i, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:10:6: lst: expected an integer, got a list");
    CHECK_EQ_INT(cfg_read_int(r, "exp", 1, &i, err, sizeof err), XP_ECONFIG);
    CHECK_EQ_INT(cfg_read_int(r, "hex", 1, &i, err, sizeof err), XP_ECONFIG);
    CHECK_EQ_INT(i, INT64_MIN); /* failures leave *out alone */

    /* missing: optional keeps the default, required names the map's position */
    i = 77;
    CHECK_EQ_INT(cfg_read_int(r, "absent", 0, &i, err, sizeof err), XP_OK);
    CHECK_EQ_INT(i, 77);
    CHECK_EQ_INT(cfg_read_int(r, "absent", 1, &i, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:1:1: missing required key 'absent'");
    CHECK_EQ_INT(cfg_read_int(cfg_get(r, "sub"), "y", 1, &i, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:29:3: sub: missing required key 'y'");
    CHECK_EQ_INT(cfg_read_int(NULL, "y", 0, &i, err, sizeof err), XP_OK);
    CHECK_EQ_INT(cfg_read_int(NULL, "y", 1, &i, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "missing required key 'y' (no config section given)");
    CHECK_EQ_INT(cfg_read_int(cfg_get(r, "lst"), "y", 0, &i, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:10:6: lst: expected a map (with key 'y'), got a list");

    double x = 0;
    struct { const char *k; double v; } nums[] = {
        {"i", 42}, {"neg", -7}, {"f", 3.5}, {"exp", 1000}, {"dot", 0.5}, {"trail", 5},
        {"inf", INFINITY}, {"ninf", -INFINITY}, {"inf2", -INFINITY}, {"nan", NAN}, {"nan2", NAN},
    };
    for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++) {
        x = 12345;
        CHECK_EQ_INT(cfg_read_num(r, nums[k].k, 1, &x, err, sizeof err), XP_OK);
        if (isinf(nums[k].v))
            CHECK(x == nums[k].v);
        else
            CHECK_NEAR(x, nums[k].v, 0);
    }
    CHECK_EQ_INT(cfg_read_num(r, "abc", 1, &x, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:5:6: abc: expected a number, got 'abc'");
    CHECK_EQ_INT(cfg_read_num(r, "huge", 1, &x, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:20:7: huge: expected a number, got '1e999' (out of the double range)");
    CHECK_EQ_INT(cfg_read_num(r, "hex", 1, &x, err, sizeof err), XP_ECONFIG);
    CHECK_EQ_INT(cfg_read_num(r, "q", 1, &x, err, sizeof err), XP_ECONFIG);
    CHECK_EQ_INT(cfg_read_num(r, "mp", 1, &x, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:11:5: mp: expected a number, got a map");

    int b = -1;
    CHECK_EQ_INT(cfg_read_bool(r, "t", 1, &b, err, sizeof err), XP_OK);
    CHECK_EQ_INT(b, 1);
    CHECK_EQ_INT(cfg_read_bool(r, "F", 1, &b, err, sizeof err), XP_OK);
    CHECK_EQ_INT(b, 0);
    CHECK_EQ_INT(cfg_read_bool(r, "T", 1, &b, err, sizeof err), XP_OK);
    CHECK_EQ_INT(b, 1);
    CHECK_EQ_INT(cfg_read_bool(r, "yes", 1, &b, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:25:6: yes: expected a boolean (true or false), got 'yes'");
    CHECK_EQ_INT(cfg_read_bool(r, "i", 1, &b, err, sizeof err), XP_ECONFIG);

    const char *s = NULL;
    CHECK_EQ_INT(cfg_read_str(r, "s", 1, &s, err, sizeof err), XP_OK);
    CHECK_STR(s, "hello");
    CHECK_EQ_INT(cfg_read_str(r, "i", 1, &s, err, sizeof err), XP_OK); /* any scalar */
    CHECK_STR(s, "42");
    CHECK_EQ_INT(cfg_read_str(r, "q", 1, &s, err, sizeof err), XP_OK);
    CHECK_STR(s, "3");
    CHECK_EQ_INT(cfg_read_str(r, "empty", 1, &s, err, sizeof err), XP_OK);
    CHECK_STR(s, "");
    CHECK_EQ_INT(cfg_read_str(r, "nul", 1, &s, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:9:6: nul: expected a string, got null");
    CHECK_EQ_INT(cfg_read_str(r, "lst", 1, &s, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:10:6: lst: expected a string, got a list");
    /* NULL/0 error buffers are allowed */
    CHECK_EQ_INT(cfg_read_str(r, "lst", 1, &s, NULL, 0), XP_ECONFIG);
    cfg_free(r);
}

/* ------------------------------------------------------------------ unused keys */

typedef struct seen {
    char lines[16][256];
    int n;
} seen;

static void collect(const xp_cfg *key, void *user)
{
    seen *s = user;
    if (s->n < 16)
        snprintf(s->lines[s->n++], sizeof s->lines[0], "%s:%d:%d: %s: unknown key", cfg_file(key),
                 cfg_line(key), cfg_col(key), cfg_keypath(key));
}

static void test_unused(void)
{
    xp_cfg *r = load_str("search:\n"
                         "  trials: 5\n"
                         "  trals: 6\n"
                         "model:\n"
                         "  kind: xgb\n"
                         "  params: {eta: 1, depth: 2}\n"
                         "stray:\n"
                         "  deep: {a: 1}\n"
                         "layers:\n"
                         "  - {units: 3, act: relu}\n"
                         "plugin:\n"
                         "  a: 1\n"
                         "  b: [1, 2]\n");
    CHECK(r != NULL);
    if (!r)
        return;
    seen s = {0};
    CHECK_EQ_INT(cfg_unused(r, collect, &s), 5); /* every top-level key, none read yet */
    CHECK_STR(s.lines[0], "t.yaml:1:1: search: unknown key");

    int64_t v;
    CHECK_EQ_INT(cfg_read_int(cfg_get(r, "search"), "trials", 1, &v, err, sizeof err), XP_OK);
    const xp_cfg *model = cfg_get(r, "model");
    cfg_key_at(model, 0);
    cfg_get(cfg_path(r, "model.params"), "eta");
    const xp_cfg *layer0 = cfg_at(cfg_get(r, "layers"), 0);
    cfg_get(layer0, "units");
    cfg_mark_used(cfg_at(r, 4)); /* plugin: the whole subtree, its key included */

    memset(&s, 0, sizeof s);
    CHECK_EQ_INT(cfg_unused(r, collect, &s), 4);
    CHECK_EQ_INT(s.n, 4);
    CHECK_STR(s.lines[0], "t.yaml:3:3: search.trals: unknown key");
    CHECK_STR(s.lines[1], "t.yaml:6:20: model.params.depth: unknown key");
    CHECK_STR(s.lines[2], "t.yaml:7:1: stray: unknown key"); /* topmost only, not stray.deep.a */
    CHECK_STR(s.lines[3], "t.yaml:10:16: layers[0].act: unknown key");
    CHECK_EQ_INT(cfg_unused(NULL, collect, &s), 0);
    CHECK_EQ_INT(cfg_unused(cfg_get(r, "stray"), NULL, NULL), 1); /* below a node: its own keys */

    /* clone keeps positions and used flags, and is independent */
    xp_cfg *c = cfg_clone(r);
    CHECK(c != NULL);
    CHECK_EQ_INT(cfg_unused(c, NULL, NULL), 4);
    CHECK_STR(cfg_where(cfg_path(c, "search.trals")), "t.yaml:3:10 (search.trals)");
    CHECK(same_tree(c, r));
    cfg_override(c, "~stray", err, sizeof err);
    CHECK(cfg_get(r, "stray") != NULL);
    cfg_free(c);
    cfg_free(r);
}

/* cfg_read_choice: the index of the value among the names; absent keeps *out (or fails when
 * required); anything else fails naming the place, the names and what was given. */
static void test_choice(void)
{
    static const char *const as[] = { "ids", "counts", "binary" };
    xp_cfg *r = load_str("a: counts\n"
                         "b: \"binary\"\n"
                         "c: bag\n"
                         "d: [ids]\n"
                         "e: null\n"
                         "f: ''\n"
                         "g: IDS\n"
                         "n: 1\n"
                         "m: {ids: 1}\n"
                         "sub:\n"
                         "  - {as: bag}\n");
    CHECK(r != NULL);
    if (!r)
        return;
    int k = 77;
    CHECK_EQ_INT(cfg_read_choice(r, "a", as, 3, 1, &k, err, sizeof err), XP_OK);
    CHECK_EQ_INT(k, 1);
    CHECK_EQ_INT(cfg_read_choice(r, "b", as, 3, 0, &k, err, sizeof err), XP_OK); /* quoted: a string */
    CHECK_EQ_INT(k, 2);

    /* absent: the default stays, unless required */
    k = 77;
    CHECK_EQ_INT(cfg_read_choice(r, "absent", as, 3, 0, &k, err, sizeof err), XP_OK);
    CHECK_EQ_INT(k, 77);
    CHECK_EQ_INT(cfg_read_choice(r, "absent", as, 3, 1, &k, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:1:1: missing required key 'absent'");
    CHECK_EQ_INT(cfg_read_choice(NULL, "as", as, 3, 0, &k, err, sizeof err), XP_OK);
    CHECK_EQ_INT(k, 77);

    /* a value not among the names, or no string at all: *out untouched */
    CHECK_EQ_INT(cfg_read_choice(r, "c", as, 3, 0, &k, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:3:4: c: expected one of ids, counts, binary, got 'bag'");
    CHECK_EQ_INT(cfg_read_choice(r, "g", as, 3, 0, &k, err, sizeof err), XP_ECONFIG);  /* exact */
    CHECK_STR(err, "t.yaml:7:4: g: expected one of ids, counts, binary, got 'IDS'");
    CHECK_EQ_INT(cfg_read_choice(r, "f", as, 3, 0, &k, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:6:4: f: expected one of ids, counts, binary, got \"\" (a quoted string)");
    CHECK_EQ_INT(cfg_read_choice(r, "d", as, 3, 0, &k, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:4:4: d: expected one of ids, counts, binary, got a list");
    CHECK_EQ_INT(cfg_read_choice(r, "e", as, 3, 0, &k, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:5:4: e: expected one of ids, counts, binary, got null");
    CHECK_EQ_INT(cfg_read_choice(r, "m", as, 3, 0, &k, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:9:4: m: expected one of ids, counts, binary, got a map");
    CHECK_EQ_INT(k, 77);
    const xp_cfg *item = cfg_at(cfg_get(r, "sub"), 0);
    CHECK_EQ_INT(cfg_read_choice(item, "as", as, 3, 1, &k, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:11:10: sub[0].as: expected one of ids, counts, binary, got 'bag'");
    CHECK_EQ_INT(cfg_read_choice(cfg_get(r, "d"), "as", as, 3, 0, &k, err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "t.yaml:4:4: d: expected a map (with key 'as'), got a list");

    /* names are text: a number matches its spelling */
    static const char *const digits[] = { "0", "1", "2" };
    CHECK_EQ_INT(cfg_read_choice(r, "n", digits, 3, 1, &k, err, sizeof err), XP_OK);
    CHECK_EQ_INT(k, 1);

    /* a long list of names is cut in the message, not overflowed */
    k = 77;
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    const char *many[5] = { longname, longname, longname, longname, "ids" };
    CHECK_EQ_INT(cfg_read_choice(r, "c", many, 5, 0, &k, err, sizeof err), XP_ECONFIG);
    CHECK(strstr(err, "xxx..., got 'bag'") != NULL);
    CHECK_EQ_INT(cfg_read_choice(r, "a", many, 5, 0, &k, err, sizeof err), XP_ECONFIG);

    /* no names: a bug in the caller */
    CHECK_EQ_INT(cfg_read_choice(r, "a", NULL, 3, 0, &k, err, sizeof err), XP_EINVAL);
    CHECK_EQ_INT(cfg_read_choice(r, "a", as, 0, 0, &k, err, sizeof err), XP_EINVAL);
    const char *holey[] = { "ids", NULL };
    CHECK_EQ_INT(cfg_read_choice(r, "a", holey, 2, 0, &k, err, sizeof err), XP_EINVAL);
    CHECK_EQ_INT(k, 77);

    /* every key read is used (no "unknown key" for it); only the inside of m's map is not */
    seen u = {0};
    CHECK_EQ_INT(cfg_unused(r, collect, &u), 1);
    CHECK_STR(u.lines[0], "t.yaml:9:5: m.ids: unknown key");
    cfg_free(r);
}

/* ------------------------------------------------------------------ printing */

static void roundtrip(xp_cfg *r, const char *what)
{
    char *y1 = cfg_to_yaml(r);
    CHECK(y1 != NULL);
    xp_cfg *back = cfg_load_string(y1, "printed.yaml", err, sizeof err);
    if (!back)
        fprintf(stderr, "%s: reparse failed: %s\n----\n%s----\n", what, err, y1);
    CHECK(back != NULL);
    if (back) {
        int same = same_tree(r, back);
        if (!same)
            fprintf(stderr, "%s: tree changed through cfg_to_yaml:\n%s", what, y1);
        CHECK(same);
        char *y2 = cfg_to_yaml(back);
        CHECK_STR(y2, y1);
        free(y2);
        cfg_free(back);
    }
    free(y1);
}

static void test_to_yaml(void)
{
    xp_cfg *r = load_str("b: 1\n"
                         "a:\n"
                         "  list: [1, \"2\", [x], {k: v}, [], {}, null]\n"
                         "  s: 'it''s'\n"
                         "e: {}\n");
    char *y = cfg_to_yaml(r);
    CHECK_STR(y, "b: 1\n"
                 "a:\n"
                 "  list:\n"
                 "    - 1\n"
                 "    - \"2\"\n"
                 "    - - x\n"
                 "    - k: v\n"
                 "    - []\n"
                 "    - {}\n"
                 "    - null\n"
                 "  s: \"it's\"\n"
                 "e: {}\n");
    free(y);
    cfg_free(r);
    r = load_str("");
    y = cfg_to_yaml(r);
    CHECK_STR(y, "{}\n");
    free(y);
    cfg_free(r);
    CHECK(cfg_to_yaml(NULL) == NULL);

    const char *files[] = {"roundtrip.yaml", "basic.yaml", "child.yaml", "multi.yaml"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        r = cfg_load_file(fx(files[i]), err, sizeof err);
        CHECK(r != NULL);
        if (r) {
            roundtrip(r, files[i]);
            cfg_free(r);
        }
    }

    /* after overrides, with a key libyaml cannot take as an implicit key (> 1024 chars) */
    r = cfg_load_file(fx("basic.yaml"), err, sizeof err);
    CHECK(r != NULL);
    if (!r)
        return;
    char longkey[1600];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    CHECK_EQ_INT(cfg_set(r, longkey, "{x: [1, {y: 2}]}", err, sizeof err), XP_OK);
    CHECK_EQ_INT(cfg_override(r, "+models[0].tags=[\"a\", 'b c', ~]", err, sizeof err), XP_OK);
    CHECK_EQ_INT(cfg_override(r, "+odd={\"x: y\": \"#z\", \"-\": \"\"}", err, sizeof err), XP_OK);
    roundtrip(r, "basic.yaml + overrides");
    cfg_free(r);

    /* plain scalars with tabs are printed quoted (PyYAML rejects tabs in plain text) */
    r = load_str("a: x\ty\n");
    y = cfg_to_yaml(r);
    CHECK_STR(y, "a: \"x\\ty\"\n");
    free(y);
    cfg_free(r);
}

/* ------------------------------------------------------------------ malformed */

static void test_malformed(void)
{
    char want[2200];
    CHECK(cfg_load_file(fx("tabs.yaml"), err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s:2:1: YAML syntax error: found character that cannot start any token",
             fx("tabs.yaml"));
    CHECK_CONTAINS(err, want);
    CHECK(cfg_load_file(fx("unterminated.yaml"), err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s:3:1: YAML syntax error: found unexpected end of stream (while scanning a "
             "quoted scalar at line 1, column 7)", fx("unterminated.yaml"));
    CHECK_STR(err, want);
    CHECK(cfg_load_file(fx("dup.yaml"), err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s:4:3: search.trials: duplicate key 'trials' (first defined at line 2, column 3)",
             fx("dup.yaml"));
    CHECK_STR(err, want);
    CHECK(cfg_load_file(fx("toplist.yaml"), err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s:1:1: the top level must be a map of keys, got a list", fx("toplist.yaml"));
    CHECK_STR(err, want);

    const char *empties[] = {"empty.yaml", "comments.yaml"};
    for (size_t i = 0; i < 2; i++) {
        xp_cfg *r = cfg_load_file(fx(empties[i]), err, sizeof err);
        CHECK(r != NULL);
        CHECK_EQ_INT(cfg_kind(r), XP_CFG_MAP);
        CHECK_EQ_INT(cfg_len(r), 0);
        cfg_free(r);
    }
    xp_cfg *r = load_str("---\n");
    CHECK_EQ_INT(cfg_kind(r), XP_CFG_MAP);
    cfg_free(r);
    r = load_str("~\n");
    CHECK_EQ_INT(cfg_len(r), 0);
    cfg_free(r);

    LOAD_FAILS("just text\n", "t.yaml:1:1: the top level must be a map of keys, got a scalar");
    LOAD_FAILS("a: 1\n---\nb: 2\n", "t.yaml:2:1: more than one YAML document in one file is not supported");
    LOAD_FAILS("a: [1, 2\n", "t.yaml:2:1: YAML syntax error: did not find expected ',' or ']' (while parsing a "
                             "flow sequence at line 1, column 4)");
    LOAD_FAILS("a: 1\n b: 2\n", "t.yaml:2:3: YAML syntax error: mapping values are not allowed in this context");
    LOAD_FAILS("a:\n  b: 1\n  b: 2\n", "t.yaml:3:3: a.b: duplicate key 'b' (first defined at line 2, column 3)");
    LOAD_FAILS("{a: 1, a: 2}\n", "t.yaml:1:8: a: duplicate key 'a' (first defined at line 1, column 2)");
    LOAD_FAILS("[a, b]: 1\n", "t.yaml:1:1: map keys must be scalars");
    LOAD_FAILS("a: 1\n~: 2\n", "t.yaml:2:1: empty or null map key");
    LOAD_FAILS("a:\n  \"\": 2\n", "t.yaml:2:3: a: empty or null map key");
    LOAD_FAILS("a: 1\n: 2\n", "t.yaml:2:1: YAML syntax error: did not find expected key (while parsing a "
                              "block mapping at line 1, column 1)");
    LOAD_FAILS("a: !!int 3\n", "t.yaml:1:4: a: unsupported YAML tag '!!int' (only !!str is allowed, on scalars)");
    LOAD_FAILS("a: !custom x\n", "t.yaml:1:4: a: unsupported YAML tag '!custom' (only !!str is allowed, on scalars)");
    LOAD_FAILS("a: \"x\\0y\"\n", "t.yaml:1:4: a: scalar contains a NUL character");
    LOAD_FAILS("a: \xff\xfe\n", "t.yaml:1:4: YAML syntax error: invalid leading UTF-8 octet (byte 0xFF)");
    LOAD_FAILS("a: 1\nb: \x01\n", "t.yaml:2:4: YAML syntax error: control characters are not allowed (byte 0x01)");
    r = load_str("a: !!str 3\nb: ! 4\n");
    CHECK_EQ_INT(cfg_scalar_quoted(cfg_get(r, "a")), 1);
    CHECK_EQ_INT(cfg_scalar_quoted(cfg_get(r, "b")), 1);
    cfg_free(r);

    /* deep nesting is refused, not a stack overflow */
    size_t depth = 5000;
    char *deep = malloc(2 * depth + 8);
    memcpy(deep, "a: ", 3);
    memset(deep + 3, '[', depth);
    memset(deep + 3 + depth, ']', depth);
    memcpy(deep + 3 + 2 * depth, "\n", 2);
    CHECK(cfg_load_string(deep, "t.yaml", err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "nesting deeper than 200 levels");
    free(deep);

    /* every prefix of a valid file either loads or fails with a positioned message */
    const char *text = "a:\n  b: [1, {c: 'x''y', d: \"q\\n\"}]\n  e: &k |\n    lit\n  f: *k\n";
    size_t len = strlen(text);
    int loaded = 0, failed = 0;
    for (size_t cut = 0; cut <= len; cut++) {
        char buf[256];
        memcpy(buf, text, cut);
        buf[cut] = '\0';
        err[0] = '\0';
        xp_cfg *p = cfg_load_string(buf, "t.yaml", err, sizeof err);
        if (p) {
            loaded++;
            cfg_free(p);
        } else {
            failed++;
            CHECK(strncmp(err, "t.yaml:", 7) == 0);
        }
    }
    CHECK(loaded > 0 && failed > 0);
}

/* ------------------------------------------------------------------ found by fuzzing */

/* Inputs tests/fuzz/fuzz_config found; each failed on the code before its fix. */
static void test_fuzz_found(void)
{
    /* An override whose key holds invalid UTF-8 was accepted (only values go through
     * libyaml), and the printed config then did not load again. */
    xp_cfg *r = cfg_load_file(fx("child.yaml"), err, sizeof err);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_EQ_INT(cfg_override(r, "+model.n\x9fw=[1, {a: b}]", err, sizeof err), XP_ECONFIG);
    CHECK_STR(err, "<override 1: +model.n\x9fw=[1, {a: b}]>: invalid UTF-8 byte 0x9F at column 9 "
                   "(overrides must be UTF-8 text)");
    CHECK_EQ_INT(cfg_override(r, "++seed=\xc3\x28", err, sizeof err), XP_ECONFIG);   /* bad 2nd byte */
    CHECK_EQ_INT(cfg_override(r, "++caf\xc3\xa9=\xe2\x82\xac", err, sizeof err), XP_OK); /* café=€ */
    roundtrip(r, "fuzz: utf-8 override");
    cfg_free(r);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        fixdir = argv[1];
    test_load_basic();
    test_anchors();
    test_extends();
    test_overrides();
    test_typed();
    test_choice();
    test_unused();
    test_to_yaml();
    test_malformed();
    test_fuzz_found();
    return check_done();
}
