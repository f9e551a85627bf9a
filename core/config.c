/* core/config.c — the runner's YAML config tree: parse with libyaml (event API), resolve
 * `extends`, apply Hydra-style overrides, typed reads with file:line:col errors, "used"
 * tracking so unknown keys are reported, and printing back to YAML.
 *
 *     char err[1024];
 *     xp_cfg *root = cfg_load_file("configs/step1_xgb.yaml", err, sizeof err);
 *     if (!root || cfg_override(root, "++search.trials=5", err, sizeof err)) die(err);
 *     int64_t trials = 10;                       // default, kept if the key is absent
 *     if (cfg_read_int(cfg_get(root, "search"), "trials", 0, &trials, err, sizeof err)) die(err);
 *     cfg_free(root);
 *
 * Choices the header leaves open:
 * - Key paths join map keys with '.' and write list items as "a.b[2]" (0-based). cfg_path()
 *   and overrides accept the same syntax ("model.layers[1].units=64").
 * - Scalars follow the YAML 1.2 core schema: plain null/Null/NULL/~/empty is XP_CFG_NULL; any
 *   other scalar is XP_CFG_SCALAR holding its text, which the typed reads interpret. A quoted,
 *   block (| or >) or !!str scalar is a string: cfg_read_int refuses "3". Other tags are errors.
 * - Anchors and aliases are supported: an alias becomes a deep copy of the anchored node, so
 *   each copy has its own key path and "used" flag; expansion is capped (ALIAS_MAX nodes).
 * - `extends` is read at the top level only. Bases merge in listed order, then the file itself;
 *   merged maps keep the bases' key order and append new keys.
 * - `a=` (empty value) sets the empty string, as in Hydra. A value must be one YAML flow value:
 *   `a=x,y` is an error (quote it). Values are parsed inside "[...]" so flow syntax applies.
 * - Nodes made by an override have file "<override N: TEXT>", line 1 and the column of their
 *   text within TEXT; nodes made by cfg_set have file "<set PATH=VALUE>".
 * - A map entry counts as used when its key was read (cfg_get, cfg_path, cfg_key_at, typed
 *   reads) or its value was passed to cfg_mark_used. cfg_unused reports the topmost unread key.
 * - "used" flags are relaxed atomics, so trials reading one config in parallel do not race.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "xp/error.h"

enum {
    MAX_DEPTH = 200,      /* nesting limit: keeps every recursive walk far from stack limits */
    ALIAS_MAX = 100000,   /* nodes that aliases may copy in one document (billion laughs) */
    EXTENDS_MAX = 32,     /* length of an extends chain */
    QUOTE_KEY_MAX = 1000  /* libyaml refuses implicit keys over 1024 chars: use "? key" above */
};
#define FILE_MAX ((size_t)64 << 20)

struct xp_cfg {
    int kind;            /* XP_CFG_NULL / SCALAR / LIST / MAP */
    int quoted;          /* scalar was not plain (quoted, block, or !!str) */
    atomic_int used;
    int line, col;       /* 1-based */
    char *file;
    char *path;          /* "a.b[2].c"; "" for the root */
    char *text;          /* scalar text; for a key node, the key */
    size_t len, cap;
    xp_cfg **keys;       /* map only: key nodes (SCALAR, positioned at the key) */
    xp_cfg **vals;       /* list items or map values */
    unsigned overrides;  /* root only: cfg_override calls so far, to number them */
};

/* ---------------------------------------------------------------- errors */

static void set_err(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t n, const char *fmt, ...)
{
    if (!err || !n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

/* "file:line:col: path: message" (path omitted when empty). */
static void vpos_err(char *err, size_t n, const char *file, int line, int col, const char *path,
                     const char *fmt, va_list ap)
{
    if (!err || !n)
        return;
    int k = snprintf(err, n, "%s:%d:%d: ", file, line, col);
    if (k >= 0 && (size_t)k < n && path && path[0])
        k += snprintf(err + k, n - (size_t)k, "%s: ", path);
    if (k >= 0 && (size_t)k < n)
        vsnprintf(err + k, n - (size_t)k, fmt, ap);
}

static void node_err(char *err, size_t n, const xp_cfg *c, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void node_err(char *err, size_t n, const xp_cfg *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vpos_err(err, n, c->file, c->line, c->col, c->path, fmt, ap);
    va_end(ap);
}

static const char *kind_name(int kind)
{
    switch (kind) {
    case XP_CFG_NULL: return "null";
    case XP_CFG_SCALAR: return "a scalar";
    case XP_CFG_LIST: return "a list";
    case XP_CFG_MAP: return "a map";
    default: return "nothing";
    }
}

/* How a value reads in a message: 'abc', "3" (a quoted string), null, a list, a map. */
static void describe(const xp_cfg *c, char *buf, size_t n)
{
    if (c->kind != XP_CFG_SCALAR) {
        snprintf(buf, n, "%s", kind_name(c->kind));
        return;
    }
    size_t len = strlen(c->text);
    int cut = len > 60;
    snprintf(buf, n, c->quoted ? "\"%.*s%s\" (a quoted string)" : "'%.*s%s'", cut ? 57 : (int)len,
             c->text, cut ? "..." : "");
}

/* ---------------------------------------------------------------- nodes */

static xp_cfg *new_node(int kind, const char *file, int line, int col, const char *path)
{
    xp_cfg *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->kind = kind;
    c->line = line;
    c->col = col;
    atomic_init(&c->used, 0);
    c->file = strdup(file ? file : "");
    c->path = strdup(path ? path : "");
    if (!c->file || !c->path) {
        free(c->file);
        free(c->path);
        free(c);
        return NULL;
    }
    return c;
}

static void node_free(xp_cfg *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->len; i++) {
        if (c->keys)
            node_free(c->keys[i]);
        node_free(c->vals[i]);
    }
    free(c->keys);
    free(c->vals);
    free(c->file);
    free(c->path);
    free(c->text);
    free(c);
}

static int reserve(xp_cfg *c, size_t want)
{
    if (want <= c->cap)
        return 0;
    size_t cap = c->cap ? c->cap : 4;
    while (cap < want)
        cap *= 2;
    xp_cfg **v = realloc(c->vals, cap * sizeof *v);
    if (!v)
        return -1;
    c->vals = v;
    if (c->kind == XP_CFG_MAP) {
        xp_cfg **k = realloc(c->keys, cap * sizeof *k);
        if (!k)
            return -1;
        c->keys = k;
    }
    c->cap = cap;
    return 0;
}

static int append(xp_cfg *c, xp_cfg *key, xp_cfg *val)
{
    if (reserve(c, c->len + 1))
        return -1;
    if (c->kind == XP_CFG_MAP)
        c->keys[c->len] = key;
    c->vals[c->len++] = val;
    return 0;
}

/* Removes entry i, freeing it. */
static void remove_at(xp_cfg *c, size_t i)
{
    if (c->keys)
        node_free(c->keys[i]);
    node_free(c->vals[i]);
    if (c->keys)
        memmove(c->keys + i, c->keys + i + 1, (c->len - i - 1) * sizeof *c->keys);
    memmove(c->vals + i, c->vals + i + 1, (c->len - i - 1) * sizeof *c->vals);
    c->len--;
}

static long find_keyn(const xp_cfg *c, const char *key, size_t klen)
{
    if (!c || c->kind != XP_CFG_MAP)
        return -1;
    for (size_t i = 0; i < c->len; i++) {
        const char *k = c->keys[i]->text;
        if (strncmp(k, key, klen) == 0 && k[klen] == '\0')
            return (long)i;
    }
    return -1;
}

static long find_key(const xp_cfg *c, const char *key)
{
    return find_keyn(c, key, strlen(key));
}

static char *join_key(const char *path, const char *key)
{
    size_t a = strlen(path), b = strlen(key);
    char *s = malloc(a + b + 2);
    if (!s)
        return NULL;
    if (a) {
        memcpy(s, path, a);
        s[a++] = '.';
    }
    memcpy(s + a, key, b + 1);
    return s;
}

static char *join_index(const char *path, size_t i)
{
    size_t a = strlen(path);
    char *s = malloc(a + 24);
    if (s)
        snprintf(s, a + 24, "%s[%zu]", path, i);
    return s;
}

/* Rewrites the key paths of a subtree that now lives at `path`. */
static int fix_paths(xp_cfg *c, const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    free(c->path);
    c->path = p;
    path = p; /* the argument may have been the old c->path */
    for (size_t i = 0; i < c->len; i++) {
        char *cp = c->kind == XP_CFG_MAP ? join_key(path, c->keys[i]->text) : join_index(path, i);
        if (!cp)
            return -1;
        int r = 0;
        if (c->kind == XP_CFG_MAP) {
            char *kp = strdup(cp);
            if (!kp) {
                r = -1;
            } else {
                free(c->keys[i]->path);
                c->keys[i]->path = kp;
            }
        }
        if (!r)
            r = fix_paths(c->vals[i], cp);
        free(cp);
        if (r)
            return -1;
    }
    return 0;
}

static size_t count_nodes(const xp_cfg *c)
{
    size_t n = 1;
    for (size_t i = 0; i < c->len; i++)
        n += count_nodes(c->vals[i]) + (c->keys ? 1 : 0);
    return n;
}

static void mark(const xp_cfg *c)
{
    atomic_store_explicit(&((xp_cfg *)c)->used, 1, memory_order_relaxed);
}

static int is_used(const xp_cfg *c)
{
    return atomic_load_explicit(&((xp_cfg *)c)->used, memory_order_relaxed);
}

static xp_cfg *clone_node(const xp_cfg *s)
{
    xp_cfg *c = new_node(s->kind, s->file, s->line, s->col, s->path);
    if (!c)
        return NULL;
    c->quoted = s->quoted;
    atomic_init(&c->used, is_used(s));
    c->overrides = s->overrides;
    if (s->text && !(c->text = strdup(s->text)))
        goto fail;
    if (reserve(c, s->len))
        goto fail;
    for (size_t i = 0; i < s->len; i++) {
        xp_cfg *k = s->keys ? clone_node(s->keys[i]) : NULL;
        xp_cfg *v = clone_node(s->vals[i]);
        if ((s->keys && !k) || !v) {
            node_free(k);
            node_free(v);
            goto fail;
        }
        append(c, k, v); /* cannot fail: reserved */
    }
    return c;
fail:
    node_free(c);
    return NULL;
}

/* ---------------------------------------------------------------- scalar syntax */

static int is_null_text(const char *s)
{
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* Decimal integer per YAML 1.2 core ([-+]?[0-9]+). 1 ok, 0 not an integer, -1 out of range. */
static int parse_int(const char *s, int64_t *out)
{
    const char *p = s + (*s == '+' || *s == '-');
    if (!*p)
        return 0;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return 0;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE)
        return -1;
    *out = (int64_t)v;
    return 1;
}

static int is_word(const char *s, const char *a, const char *b, const char *c)
{
    return !strcmp(s, a) || !strcmp(s, b) || !strcmp(s, c);
}

/* YAML 1.2 core float (and int), .inf/-.inf/.nan, plus inf/-inf/nan. 1 ok, 0 no, -1 overflow. */
static int parse_num(const char *s, double *out)
{
    const char *p = s;
    int neg = 0;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    const char *w = p + (*p == '.');
    if (is_word(w, "inf", "Inf", "INF")) {
        *out = neg ? -INFINITY : INFINITY;
        return 1;
    }
    if (p == s && is_word(w, "nan", "NaN", "NAN")) {
        *out = NAN;
        return 1;
    }
    const char *q = p;
    size_t int_digits = 0, frac_digits = 0;
    while (*q >= '0' && *q <= '9') {
        q++;
        int_digits++;
    }
    if (*q == '.') {
        q++;
        while (*q >= '0' && *q <= '9') {
            q++;
            frac_digits++;
        }
    }
    if (!int_digits && !frac_digits)
        return 0;
    if (*q == 'e' || *q == 'E') {
        q++;
        if (*q == '+' || *q == '-')
            q++;
        if (*q < '0' || *q > '9')
            return 0;
        while (*q >= '0' && *q <= '9')
            q++;
    }
    if (*q)
        return 0;
    errno = 0;
    double v = strtod(s, NULL);
    if (errno == ERANGE && isinf(v))
        return -1;
    *out = v;
    return 1;
}

static int parse_bool(const char *s, int *out)
{
    if (is_word(s, "true", "True", "TRUE")) {
        *out = 1;
        return 1;
    }
    if (is_word(s, "false", "False", "FALSE")) {
        *out = 0;
        return 1;
    }
    return 0;
}

/* Whether a scalar resolves to a string (rather than a number or boolean). */
static int scalar_is_string(const xp_cfg *c)
{
    int64_t i;
    double d;
    int b;
    return c->quoted || !(parse_int(c->text, &i) || parse_num(c->text, &d) || parse_bool(c->text, &b));
}

static int node_equal(const xp_cfg *a, const xp_cfg *b)
{
    if (a->kind != b->kind || a->len != b->len)
        return 0;
    if (a->kind == XP_CFG_SCALAR)
        return !strcmp(a->text, b->text) && scalar_is_string(a) == scalar_is_string(b);
    for (size_t i = 0; i < a->len; i++) {
        if (a->kind == XP_CFG_LIST) {
            if (!node_equal(a->vals[i], b->vals[i]))
                return 0;
        } else {
            long j = find_key(b, a->keys[i]->text);
            if (j < 0 || !node_equal(a->vals[i], b->vals[j]))
                return 0;
        }
    }
    return 1;
}

/* ---------------------------------------------------------------- libyaml -> tree */

typedef struct anchor {
    char *name;
    const xp_cfg *node;
} anchor;

typedef struct loader {
    yaml_parser_t p;
    const char *text;
    size_t len;
    const char *file;
    int col_shift;        /* added to columns on line 1 (override values are parsed wrapped) */
    const char *item_path; /* override values: key path of the wrapper's item */
    char *err;
    size_t errlen;
    anchor *anchors;
    size_t n_anchors, cap_anchors;
    size_t alias_nodes;
} loader;

static int mark_line(const yaml_mark_t *m)
{
    return m->line >= (size_t)INT_MAX ? INT_MAX : (int)m->line + 1;
}

static int mark_col(const loader *ld, const yaml_mark_t *m)
{
    int c = m->column >= (size_t)INT_MAX / 2 ? INT_MAX / 2 : (int)m->column + 1;
    return m->line == 0 ? c + ld->col_shift : c;
}

static void mark_err(loader *ld, const yaml_mark_t *m, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void mark_err(loader *ld, const yaml_mark_t *m, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vpos_err(ld->err, ld->errlen, ld->file, mark_line(m), mark_col(ld, m), path, fmt, ap);
    va_end(ap);
}

static void syntax_err(loader *ld)
{
    const yaml_parser_t *p = &ld->p;
    const char *problem = p->problem ? p->problem : "unknown problem";
    if (p->error == YAML_MEMORY_ERROR) {
        set_err(ld->err, ld->errlen, "%s: out of memory while parsing YAML", ld->file);
    } else if (p->error == YAML_READER_ERROR) {
        /* Reader errors (bad UTF-8, control characters) carry a byte offset, not a mark. */
        yaml_mark_t m = {0, 0, 0};
        size_t off = p->problem_offset < ld->len ? p->problem_offset : ld->len;
        for (size_t i = 0; i < off; i++) {
            if (ld->text[i] == '\n') {
                m.line++;
                m.column = 0;
            } else {
                m.column++;
            }
        }
        if (p->problem_value != -1)
            mark_err(ld, &m, NULL, "YAML syntax error: %s (byte 0x%02X)", problem,
                     (unsigned)p->problem_value & 0xFFu);
        else
            mark_err(ld, &m, NULL, "YAML syntax error: %s", problem);
    } else if (p->context && (p->context_mark.line != p->problem_mark.line ||
                              p->context_mark.column != p->problem_mark.column)) {
        mark_err(ld, &p->problem_mark, NULL, "YAML syntax error: %s (%s at line %d, column %d)",
                 problem, p->context, mark_line(&p->context_mark), mark_col(ld, &p->context_mark));
    } else if (p->context) {
        mark_err(ld, &p->problem_mark, NULL, "YAML syntax error: %s (%s)", problem, p->context);
    } else {
        mark_err(ld, &p->problem_mark, NULL, "YAML syntax error: %s", problem);
    }
}

static int next_event(loader *ld, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&ld->p, ev)) {
        syntax_err(ld);
        return -1;
    }
    return 0;
}

/* Accepts no tag, the non-specific "!", or the one core tag that fits (`ok`). */
static int check_tag(loader *ld, const yaml_event_t *ev, const yaml_char_t *tag, const char *ok,
                     const char *path)
{
    static const char core[] = "tag:yaml.org,2002:";
    if (!tag)
        return 0;
    const char *t = (const char *)tag;
    if (!strcmp(t, "!") || (!strncmp(t, core, sizeof core - 1) && !strcmp(t + sizeof core - 1, ok)))
        return 1;
    int core_tag = !strncmp(t, core, sizeof core - 1);
    mark_err(ld, &ev->start_mark, path, "unsupported YAML tag '%s%s' (only !!str is allowed, on scalars)",
             core_tag ? "!!" : "", core_tag ? t + sizeof core - 1 : t);
    return -1;
}

static const xp_cfg *find_anchor(const loader *ld, const char *name)
{
    for (size_t i = ld->n_anchors; i-- > 0;) /* latest definition wins */
        if (!strcmp(ld->anchors[i].name, name))
            return ld->anchors[i].node;
    return NULL;
}

/* Takes ownership of name. */
static int add_anchor(loader *ld, char *name, const xp_cfg *node)
{
    if (!name)
        return 0;
    if (ld->n_anchors == ld->cap_anchors) {
        size_t cap = ld->cap_anchors ? ld->cap_anchors * 2 : 8;
        anchor *a = realloc(ld->anchors, cap * sizeof *a);
        if (!a) {
            free(name);
            return -1;
        }
        ld->anchors = a;
        ld->cap_anchors = cap;
    }
    ld->anchors[ld->n_anchors].name = name;
    ld->anchors[ld->n_anchors++].node = node;
    return 0;
}

static char *dup_anchor(const yaml_char_t *a, int *oom)
{
    if (!a)
        return NULL;
    char *s = strdup((const char *)a);
    if (!s)
        *oom = 1;
    return s;
}

static void oom_err(loader *ld)
{
    set_err(ld->err, ld->errlen, "%s: out of memory", ld->file);
}

static xp_cfg *parse_node(loader *ld, yaml_event_t *ev, const char *path, int depth);

static xp_cfg *parse_scalar(loader *ld, yaml_event_t *ev, const char *path)
{
    const char *t = (const char *)ev->data.scalar.value;
    size_t tl = ev->data.scalar.length;
    if (memchr(t, '\0', tl)) {
        mark_err(ld, &ev->start_mark, path, "scalar contains a NUL character");
        return NULL;
    }
    int quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    int tag = check_tag(ld, ev, ev->data.scalar.tag, "str", path);
    if (tag < 0)
        return NULL;
    quoted |= tag;
    int kind = !quoted && is_null_text(t) ? XP_CFG_NULL : XP_CFG_SCALAR;
    xp_cfg *c = new_node(kind, ld->file, mark_line(&ev->start_mark), mark_col(ld, &ev->start_mark), path);
    int oom = !c;
    if (c && kind == XP_CFG_SCALAR) {
        c->quoted = quoted;
        oom = !(c->text = strndup(t, tl));
    }
    char *an = oom ? NULL : dup_anchor(ev->data.scalar.anchor, &oom);
    if (oom || add_anchor(ld, an, c)) {
        oom_err(ld);
        node_free(c);
        return NULL;
    }
    return c;
}

static xp_cfg *parse_alias(loader *ld, yaml_event_t *ev, const char *path)
{
    const char *name = (const char *)ev->data.alias.anchor;
    const xp_cfg *src = find_anchor(ld, name);
    if (!src) {
        mark_err(ld, &ev->start_mark, path,
                 "alias '*%s' has no anchor '&%s' defined before it (an alias cannot refer to a node that contains it)",
                 name, name);
        return NULL;
    }
    size_t n = count_nodes(src);
    if (n > ALIAS_MAX - ld->alias_nodes) {
        mark_err(ld, &ev->start_mark, path, "aliases expand to more than %d nodes", ALIAS_MAX);
        return NULL;
    }
    ld->alias_nodes += n;
    xp_cfg *c = clone_node(src);
    if (!c || fix_paths(c, path)) {
        node_free(c);
        oom_err(ld);
        return NULL;
    }
    /* The copy's top reports where the alias is; its insides, where they are written. */
    c->line = mark_line(&ev->start_mark);
    c->col = mark_col(ld, &ev->start_mark);
    return c;
}

static xp_cfg *parse_list(loader *ld, yaml_event_t *ev, const char *path, int depth)
{
    if (check_tag(ld, ev, ev->data.sequence_start.tag, "seq", path) < 0)
        return NULL;
    int oom = 0;
    xp_cfg *c = new_node(XP_CFG_LIST, ld->file, mark_line(&ev->start_mark), mark_col(ld, &ev->start_mark), path);
    char *an = c ? dup_anchor(ev->data.sequence_start.anchor, &oom) : NULL;
    if (!c || oom) {
        oom_err(ld);
        node_free(c);
        return NULL;
    }
    for (;;) {
        yaml_event_t e;
        if (next_event(ld, &e))
            goto fail;
        if (e.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&e);
            break;
        }
        char *cp = depth == 0 && ld->item_path ? strdup(ld->item_path) : join_index(path, c->len);
        if (!cp) {
            yaml_event_delete(&e);
            oom_err(ld);
            goto fail;
        }
        xp_cfg *item = parse_node(ld, &e, cp, depth + 1);
        free(cp);
        if (!item)
            goto fail;
        if (append(c, NULL, item)) {
            node_free(item);
            oom_err(ld);
            goto fail;
        }
    }
    if (add_anchor(ld, an, c)) {
        oom_err(ld);
        node_free(c);
        return NULL;
    }
    return c;
fail:
    free(an);
    node_free(c);
    return NULL;
}

/* One key of a block or flow map; *done set at the map's end. */
static int parse_entry(loader *ld, xp_cfg *map, const char *path, int depth, int *done)
{
    yaml_event_t e;
    if (next_event(ld, &e))
        return -1;
    if (e.type == YAML_MAPPING_END_EVENT) {
        yaml_event_delete(&e);
        *done = 1;
        return 0;
    }
    if (e.type != YAML_SCALAR_EVENT) {
        mark_err(ld, &e.start_mark, path,
                 e.type == YAML_ALIAS_EVENT ? "an alias cannot be a map key" : "map keys must be scalars");
        yaml_event_delete(&e);
        return -1;
    }
    const char *k = (const char *)e.data.scalar.value;
    size_t kl = e.data.scalar.length;
    int plain = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (!kl || (plain && is_null_text(k))) {
        mark_err(ld, &e.start_mark, path, "empty or null map key");
        yaml_event_delete(&e);
        return -1;
    }
    if (memchr(k, '\0', kl)) {
        mark_err(ld, &e.start_mark, path, "map key contains a NUL character");
        yaml_event_delete(&e);
        return -1;
    }
    char *cp = join_key(path, k);
    xp_cfg *key = cp ? parse_scalar(ld, &e, cp) : NULL;
    if (!cp)
        oom_err(ld);
    yaml_event_delete(&e);
    if (!key) {
        free(cp);
        return -1;
    }
    long prev = find_key(map, key->text);
    if (prev >= 0) {
        const xp_cfg *pk = map->keys[prev];
        node_err(ld->err, ld->errlen, key, "duplicate key '%s' (first defined at line %d, column %d)",
                 key->text, pk->line, pk->col);
        node_free(key);
        free(cp);
        return -1;
    }
    xp_cfg *val = NULL;
    if (next_event(ld, &e) == 0)
        val = parse_node(ld, &e, cp, depth + 1);
    free(cp);
    if (!val) {
        node_free(key);
        return -1;
    }
    if (append(map, key, val)) {
        node_free(key);
        node_free(val);
        oom_err(ld);
        return -1;
    }
    return 0;
}

static xp_cfg *parse_map(loader *ld, yaml_event_t *ev, const char *path, int depth)
{
    if (check_tag(ld, ev, ev->data.mapping_start.tag, "map", path) < 0)
        return NULL;
    int oom = 0;
    xp_cfg *c = new_node(XP_CFG_MAP, ld->file, mark_line(&ev->start_mark), mark_col(ld, &ev->start_mark), path);
    char *an = c ? dup_anchor(ev->data.mapping_start.anchor, &oom) : NULL;
    if (!c || oom) {
        oom_err(ld);
        node_free(c);
        return NULL;
    }
    int done = 0;
    while (!done) {
        if (parse_entry(ld, c, path, depth, &done)) {
            free(an);
            node_free(c);
            return NULL;
        }
    }
    if (add_anchor(ld, an, c)) {
        oom_err(ld);
        node_free(c);
        return NULL;
    }
    return c;
}

/* Builds the node that starts with *ev; always deletes *ev. */
static xp_cfg *parse_node(loader *ld, yaml_event_t *ev, const char *path, int depth)
{
    xp_cfg *c = NULL;
    if (depth > MAX_DEPTH) {
        mark_err(ld, &ev->start_mark, path, "nesting deeper than %d levels", MAX_DEPTH);
    } else {
        switch (ev->type) {
        case YAML_SCALAR_EVENT: c = parse_scalar(ld, ev, path); break;
        case YAML_ALIAS_EVENT: c = parse_alias(ld, ev, path); break;
        case YAML_SEQUENCE_START_EVENT: c = parse_list(ld, ev, path, depth); break;
        case YAML_MAPPING_START_EVENT: c = parse_map(ld, ev, path, depth); break;
        default: mark_err(ld, &ev->start_mark, path, "unexpected YAML event %d", (int)ev->type); break;
        }
    }
    yaml_event_delete(ev);
    return c;
}

static int loader_init(loader *ld, const char *text, size_t len, const char *file, char *err, size_t errlen)
{
    memset(ld, 0, sizeof *ld);
    ld->text = text;
    ld->len = len;
    ld->file = file;
    ld->err = err;
    ld->errlen = errlen;
    if (!yaml_parser_initialize(&ld->p)) {
        oom_err(ld);
        return -1;
    }
    yaml_parser_set_input_string(&ld->p, (const unsigned char *)text, len);
    return 0;
}

static void loader_done(loader *ld)
{
    yaml_parser_delete(&ld->p);
    for (size_t i = 0; i < ld->n_anchors; i++)
        free(ld->anchors[i].name);
    free(ld->anchors);
}

/* Expects `type` next; anything else is reported at its position. */
static int expect_event(loader *ld, yaml_event_type_t type, const char *what)
{
    yaml_event_t e;
    if (next_event(ld, &e))
        return -1;
    int ok = e.type == type;
    if (!ok)
        mark_err(ld, &e.start_mark, NULL, "%s", what);
    yaml_event_delete(&e);
    return ok ? 0 : -1;
}

/* A whole document: must be a map (an empty file or a bare null is an empty map). */
static xp_cfg *parse_document(loader *ld)
{
    yaml_event_t e;
    xp_cfg *root = NULL;
    if (expect_event(ld, YAML_STREAM_START_EVENT, "expected the start of a YAML stream"))
        return NULL;
    if (next_event(ld, &e))
        return NULL;
    if (e.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&e);
        root = new_node(XP_CFG_MAP, ld->file, 1, 1, "");
        if (!root)
            oom_err(ld);
        return root;
    }
    yaml_event_delete(&e); /* DOCUMENT_START */
    if (next_event(ld, &e))
        return NULL;
    root = parse_node(ld, &e, "", 0);
    if (!root)
        return NULL;
    if (expect_event(ld, YAML_DOCUMENT_END_EVENT, "expected the end of the document") ||
        expect_event(ld, YAML_STREAM_END_EVENT, "more than one YAML document in one file is not supported"))
        goto fail;
    if (root->kind == XP_CFG_NULL) {
        root->kind = XP_CFG_MAP;
    } else if (root->kind != XP_CFG_MAP) {
        node_err(ld->err, ld->errlen, root, "the top level must be a map of keys, got %s",
                 kind_name(root->kind));
        goto fail;
    }
    return root;
fail:
    node_free(root);
    return NULL;
}

static xp_cfg *load_text(const char *text, size_t len, const char *file, char *err, size_t errlen)
{
    loader ld;
    if (loader_init(&ld, text, len, file, err, errlen))
        return NULL;
    xp_cfg *root = parse_document(&ld);
    loader_done(&ld);
    return root;
}

/* One override value: YAML flow text parsed as the only item of "[...]". */
static xp_cfg *parse_value(const char *value, const char *path, const char *label, int col, char *err,
                           size_t errlen)
{
    if (!*value) { /* `a=` is the empty string, as in Hydra */
        xp_cfg *c = new_node(XP_CFG_SCALAR, label, 1, col, "");
        if (c && !(c->text = strdup(""))) {
            node_free(c);
            c = NULL;
        }
        if (!c)
            set_err(err, errlen, "%s: out of memory", label);
        else
            c->quoted = 1;
        return c;
    }
    size_t vl = strlen(value);
    char *wrapped = malloc(vl + 4);
    if (!wrapped) {
        set_err(err, errlen, "%s: out of memory", label);
        return NULL;
    }
    wrapped[0] = '[';
    memcpy(wrapped + 1, value, vl);
    memcpy(wrapped + 1 + vl, "\n]", 3); /* newline: a trailing comment must not eat the ']' */
    loader ld;
    xp_cfg *seq = NULL, *item = NULL;
    if (loader_init(&ld, wrapped, vl + 3, label, err, errlen)) {
        free(wrapped);
        return NULL;
    }
    ld.col_shift = col - 2; /* wrapped column 1 is value char 0, which sits at `col` */
    ld.item_path = path;
    yaml_event_t e;
    if (expect_event(&ld, YAML_STREAM_START_EVENT, "expected a value") ||
        expect_event(&ld, YAML_DOCUMENT_START_EVENT, "expected a value") || next_event(&ld, &e))
        goto done;
    seq = parse_node(&ld, &e, "", 0);
    if (!seq || expect_event(&ld, YAML_DOCUMENT_END_EVENT, "unexpected text after the value") ||
        expect_event(&ld, YAML_STREAM_END_EVENT, "unexpected text after the value"))
        goto done;
    if (seq->kind != XP_CFG_LIST || seq->len != 1) {
        set_err(err, errlen, "%s: expected one YAML value, got %zu (quote a value that contains ',' or brackets)",
                label, seq->kind == XP_CFG_LIST ? seq->len : 0);
        goto done;
    }
    item = seq->vals[0];
    seq->len = 0;
done:
    node_free(seq);
    loader_done(&ld);
    free(wrapped);
    return item;
}

/* ---------------------------------------------------------------- extends */

typedef struct chain {
    const char *name;    /* as shown in messages */
    const char *real;    /* realpath, NULL if unknown */
} chain;

static char *read_all(const char *path, size_t *len, int *errnum)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *errnum = errno;
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            *errnum = ENOMEM;
            break;
        }
        if (n + 1 >= cap) {
            if (cap >= FILE_MAX) {
                *errnum = EFBIG;
                break;
            }
            char *b = realloc(buf, cap * 2);
            if (!b) {
                *errnum = ENOMEM;
                break;
            }
            buf = b;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                *errnum = errno ? errno : EIO;
                break;
            }
            fclose(f);
            buf[n] = '\0';
            *len = n;
            return buf;
        }
    }
    free(buf);
    fclose(f);
    return NULL;
}

/* Base path relative to the including file's folder (unless absolute). */
static char *join_dir(const char *including, const char *rel)
{
    const char *slash = strrchr(including, '/');
    if (rel[0] == '/' || !slash)
        return strdup(rel);
    size_t dl = (size_t)(slash - including) + 1, rl = strlen(rel);
    char *s = malloc(dl + rl + 1);
    if (s) {
        memcpy(s, including, dl);
        memcpy(s + dl, rel, rl + 1);
    }
    return s;
}

/* Deep merge: src's entries win; consumes src. Both are maps. */
static int merge_into(xp_cfg *dst, xp_cfg *src)
{
    if (reserve(dst, dst->len + src->len))
        return -1;
    for (size_t i = 0; i < src->len; i++) {
        xp_cfg *k = src->keys[i], *v = src->vals[i];
        long j = find_key(dst, k->text);
        if (j < 0) {
            append(dst, k, v); /* reserved */
        } else if (dst->vals[j]->kind == XP_CFG_MAP && v->kind == XP_CFG_MAP) {
            xp_cfg *d = dst->vals[j];
            /* the merged map is reported where the extending file writes it */
            char *f = d->file;
            d->file = v->file;
            v->file = f;
            d->line = v->line;
            d->col = v->col;
            node_free(dst->keys[j]);
            dst->keys[j] = k;
            src->keys[i] = NULL;
            src->vals[i] = NULL;
            if (merge_into(d, v)) {
                for (size_t r = i + 1; r < src->len; r++) {
                    node_free(src->keys[r]);
                    node_free(src->vals[r]);
                }
                src->len = 0;
                node_free(src);
                return -1;
            }
            continue;
        } else {
            node_free(dst->keys[j]);
            node_free(dst->vals[j]);
            dst->keys[j] = k;
            dst->vals[j] = v;
        }
        src->keys[i] = NULL;
        src->vals[i] = NULL;
    }
    src->len = 0;
    node_free(src);
    return 0;
}

static xp_cfg *load_resolved(const char *text, size_t len, chain *stack, size_t depth, char *err, size_t errlen);

static xp_cfg *load_base(const xp_cfg *name_node, chain *stack, size_t depth, char *err, size_t errlen)
{
    const char *including = stack[depth].name;
    if (name_node->kind != XP_CFG_SCALAR || !name_node->text[0]) {
        char what[96];
        describe(name_node, what, sizeof what);
        node_err(err, errlen, name_node, "expected a file name, got %s", what);
        return NULL;
    }
    char *path = join_dir(including, name_node->text);
    char *real = path ? realpath(path, NULL) : NULL;
    xp_cfg *base = NULL;
    if (!path) {
        set_err(err, errlen, "%s: out of memory", including);
        goto done;
    }
    if (!real) {
        node_err(err, errlen, name_node, "cannot open '%s': %s", path, strerror(errno));
        goto done;
    }
    for (size_t i = 0; i <= depth; i++) {
        if (!stack[i].real || strcmp(stack[i].real, real))
            continue;
        char chainbuf[2048];
        size_t k = 0;
        for (size_t j = i; j <= depth && k < sizeof chainbuf; j++) {
            int w = snprintf(chainbuf + k, sizeof chainbuf - k, "%s -> ", stack[j].name);
            if (w < 0)
                break;
            k += (size_t)w;
        }
        if (k < sizeof chainbuf)
            snprintf(chainbuf + k, sizeof chainbuf - k, "%s", path);
        node_err(err, errlen, name_node, "cycle: %s", chainbuf);
        goto done;
    }
    if (depth + 1 >= EXTENDS_MAX) {
        node_err(err, errlen, name_node, "extends chain longer than %d files", EXTENDS_MAX);
        goto done;
    }
    int errnum = 0;
    size_t blen = 0;
    char *buf = read_all(path, &blen, &errnum);
    if (!buf) {
        node_err(err, errlen, name_node, "cannot read '%s': %s", path, strerror(errnum));
        goto done;
    }
    stack[depth + 1].name = path;
    stack[depth + 1].real = real;
    base = load_resolved(buf, blen, stack, depth + 1, err, errlen);
    free(buf);
done:
    free(path);
    free(real);
    return base;
}

/* Parses stack[depth]'s text and folds in what it extends. */
static xp_cfg *load_resolved(const char *text, size_t len, chain *stack, size_t depth, char *err, size_t errlen)
{
    xp_cfg *root = load_text(text, len, stack[depth].name, err, errlen);
    if (!root)
        return NULL;
    long at = find_key(root, "extends");
    if (at < 0)
        return root;
    xp_cfg *ext_key = root->keys[at], *ext = root->vals[at];
    root->keys[at] = NULL;
    root->vals[at] = NULL;
    memmove(root->keys + at, root->keys + at + 1, (root->len - (size_t)at - 1) * sizeof *root->keys);
    memmove(root->vals + at, root->vals + at + 1, (root->len - (size_t)at - 1) * sizeof *root->vals);
    root->len--;
    node_free(ext_key);

    const xp_cfg *const *names = (const xp_cfg *const *)&ext;
    size_t n_names = 1;
    if (ext->kind == XP_CFG_LIST) {
        names = (const xp_cfg *const *)ext->vals;
        n_names = ext->len;
    } else if (ext->kind != XP_CFG_SCALAR) {
        node_err(err, errlen, ext, "expected a file name or a list of file names, got %s", kind_name(ext->kind));
        goto fail;
    }
    xp_cfg *merged = NULL;
    for (size_t i = 0; i < n_names; i++) {
        xp_cfg *base = load_base(names[i], stack, depth, err, errlen);
        if (!base) {
            node_free(merged);
            goto fail;
        }
        if (!merged) {
            merged = base;
        } else if (merge_into(merged, base)) {
            node_free(merged);
            set_err(err, errlen, "%s: out of memory", stack[depth].name);
            goto fail;
        }
    }
    node_free(ext);
    if (!merged)
        return root;
    /* The resolved root is reported at the extending file's root. */
    char *f = merged->file;
    merged->file = root->file;
    root->file = f;
    merged->line = root->line;
    merged->col = root->col;
    if (merge_into(merged, root)) {
        node_free(merged);
        set_err(err, errlen, "%s: out of memory", stack[depth].name);
        return NULL;
    }
    return merged;
fail:
    node_free(ext);
    node_free(root);
    return NULL;
}

xp_cfg *cfg_load_file(const char *path, char *err, size_t errlen)
{
    if (!path) {
        set_err(err, errlen, "cfg_load_file: no path");
        return NULL;
    }
    int errnum = 0;
    size_t len = 0;
    char *text = read_all(path, &len, &errnum);
    if (!text) {
        set_err(err, errlen, "%s: cannot read: %s", path, strerror(errnum));
        return NULL;
    }
    char *real = realpath(path, NULL);
    chain stack[EXTENDS_MAX];
    stack[0].name = path;
    stack[0].real = real;
    xp_cfg *root = load_resolved(text, len, stack, 0, err, errlen);
    free(real);
    free(text);
    return root;
}

xp_cfg *cfg_load_string(const char *text, const char *name, char *err, size_t errlen)
{
    if (!text) {
        set_err(err, errlen, "cfg_load_string: no text");
        return NULL;
    }
    if (!name)
        name = "<string>";
    char *real = realpath(name, NULL);
    chain stack[EXTENDS_MAX];
    stack[0].name = name;
    stack[0].real = real;
    xp_cfg *root = load_resolved(text, strlen(text), stack, 0, err, errlen);
    free(real);
    return root;
}

void cfg_free(xp_cfg *root)
{
    node_free(root);
}

xp_cfg *cfg_clone(const xp_cfg *node)
{
    return node ? clone_node(node) : NULL;
}

/* ---------------------------------------------------------------- key paths */

typedef struct seg {
    const char *key;     /* NULL for an index step */
    size_t klen;
    size_t idx;
    size_t off;          /* where the step starts in the path text */
    size_t end;          /* where it ends: path[0..end) names the node it reaches */
} seg;

/* "a.b[2].c" -> steps. Returns the count, or 0 if malformed or deeper than max. */
static size_t parse_path(const char *s, size_t len, seg *segs, size_t max)
{
    size_t i = 0, n = 0;
    for (;;) {
        size_t start = i;
        while (i < len && s[i] != '.' && s[i] != '[' && s[i] != ']')
            i++;
        if (i == start || n == max)
            return 0;
        segs[n++] = (seg){s + start, i - start, 0, start, i};
        while (i < len && s[i] == '[') {
            size_t open = i++, v = 0, digits = 0;
            while (i < len && s[i] >= '0' && s[i] <= '9') {
                if (v > (SIZE_MAX - 9) / 10)
                    return 0;
                v = v * 10 + (size_t)(s[i++] - '0');
                digits++;
            }
            if (!digits || i == len || s[i] != ']' || n == max)
                return 0;
            i++;
            segs[n++] = (seg){NULL, 0, v, open, i};
        }
        if (i == len)
            return n;
        if (s[i] != '.')
            return 0;
        i++;
    }
}

const xp_cfg *cfg_path(const xp_cfg *root, const char *dotted)
{
    if (!root || !dotted)
        return NULL;
    if (!*dotted)
        return root;
    seg segs[MAX_DEPTH];
    size_t n = parse_path(dotted, strlen(dotted), segs, MAX_DEPTH);
    const xp_cfg *cur = root;
    for (size_t i = 0; i < n && cur; i++) {
        if (segs[i].key) {
            long j = find_keyn(cur, segs[i].key, segs[i].klen);
            if (j < 0)
                return NULL;
            mark(cur->keys[j]);
            cur = cur->vals[j];
        } else {
            if (cur->kind != XP_CFG_LIST || segs[i].idx >= cur->len)
                return NULL;
            cur = cur->vals[segs[i].idx];
        }
    }
    return n ? cur : NULL;
}

/* ---------------------------------------------------------------- overrides */

enum { OP_SET, OP_ADD, OP_UPSERT, OP_DEL };

static const char *op_prefix(int op)
{
    return op == OP_ADD ? "+" : op == OP_UPSERT ? "++" : op == OP_DEL ? "~" : "";
}

/* Replaces slot *slot (a value or list item) with v, placed at `path`. */
static int put_value(xp_cfg **slot, xp_cfg *v, const char *path)
{
    if (fix_paths(v, path))
        return -1;
    node_free(*slot);
    *slot = v;
    return 0;
}

/* Adds key (text k[0..klen)) = v to map m; the key node is made at label:1:col. */
static int add_key(xp_cfg *m, const char *k, size_t klen, xp_cfg *v, const char *label, int col)
{
    char *key = strndup(k, klen);
    char *cp = key ? join_key(m->path, key) : NULL;
    xp_cfg *kn = cp ? new_node(XP_CFG_SCALAR, label, 1, col, cp) : NULL;
    int r = -1;
    if (kn) {
        kn->text = key;
        key = NULL;
        if (!fix_paths(v, cp) && !append(m, kn, v))
            r = 0;
        else
            node_free(kn);
    }
    free(key);
    free(cp);
    return r;
}

/* Applies one parsed override. `path` is the key path text; key_col/value_col are the
 * 1-based columns of the path and value in the override text (for node positions). */
static int apply_op(xp_cfg *root, int op, const char *path, size_t path_len, int key_col,
                    const char *value, int value_col, const char *label, char *err, size_t n)
{
    seg segs[MAX_DEPTH];
    size_t ns = parse_path(path, path_len, segs, MAX_DEPTH);
    if (!ns) {
        set_err(err, n, "%s: bad key path '%.*s' (expected a.b.c, with [N] for list items)", label,
                (int)path_len, path);
        return XP_ECONFIG;
    }
    xp_cfg *v = NULL;
    if (value) {
        char *vpath = strndup(path, path_len);
        v = vpath ? parse_value(value, vpath, label, value_col, err, n) : NULL;
        if (!vpath)
            set_err(err, n, "%s: out of memory", label);
        free(vpath);
        if (!v)
            return XP_ECONFIG;
    }
    char buf[160], where[1200];
    xp_cfg *cur = root;
    int rc = XP_ECONFIG;
    for (size_t i = 0; i < ns; i++) {
        const seg *s = &segs[i];
        int last = i + 1 == ns, prefix = (int)s->end;
        if (s->key) {
            if (cur->kind != XP_CFG_MAP) {
                set_err(err, n, "%s: %.*s: is %s (%s:%d:%d), not a map", label, (int)segs[i - 1].end, path,
                        kind_name(cur->kind), cur->file, cur->line, cur->col);
                goto out;
            }
            long j = find_keyn(cur, s->key, s->klen);
            if (!last) {
                if (j >= 0) {
                    cur = cur->vals[j];
                    continue;
                }
                if (op == OP_SET || op == OP_DEL) {
                    set_err(err, n, "%s: %.*s: no such key", label, prefix, path);
                    goto out;
                }
                for (size_t k = i + 1; k < ns; k++) {
                    if (!segs[k].key) {
                        set_err(err, n, "%s: %.*s: no such key, so it has no item %.*s", label, prefix,
                                path, (int)(segs[k].end - segs[k].off), path + segs[k].off);
                        goto out;
                    }
                }
                /* create the missing maps on the way */
                xp_cfg *m = new_node(XP_CFG_MAP, label, 1, key_col + (int)s->off, "");
                if (!m || add_key(cur, s->key, s->klen, m, label, key_col + (int)s->off)) {
                    node_free(m);
                    goto oom;
                }
                cur = m;
                continue;
            }
            switch (op) {
            case OP_SET:
                if (j < 0) {
                    set_err(err, n, "%s: %.*s: no such key (use +%.*s=... to add it, ++%.*s=... to set or add)",
                            label, prefix, path, prefix, path, prefix, path);
                    goto out;
                }
                /* fallthrough */
            case OP_UPSERT:
                if (j >= 0) {
                    if (put_value(&cur->vals[j], v, cur->keys[j]->path))
                        goto oom;
                } else if (add_key(cur, s->key, s->klen, v, label, key_col + (int)s->off)) {
                    goto oom;
                }
                v = NULL;
                break;
            case OP_ADD:
                if (j >= 0) {
                    const xp_cfg *old = cur->vals[j];
                    set_err(err, n, "%s: %.*s: already set at %s:%d:%d (use ++%.*s=... to override it)", label,
                            prefix, path, old->file, old->line, old->col, prefix, path);
                    goto out;
                }
                if (add_key(cur, s->key, s->klen, v, label, key_col + (int)s->off))
                    goto oom;
                v = NULL;
                break;
            default: /* OP_DEL */
                if (j < 0) {
                    set_err(err, n, "%s: %.*s: no such key to delete", label, prefix, path);
                    goto out;
                }
                if (v && !node_equal(cur->vals[j], v)) {
                    const xp_cfg *old = cur->vals[j];
                    describe(old, buf, sizeof buf);
                    snprintf(where, sizeof where, "%s:%d:%d", old->file, old->line, old->col);
                    set_err(err, n, "%s: %.*s: not deleted: its value is %s (%s), not the one given", label,
                            prefix, path, buf, where);
                    goto out;
                }
                remove_at(cur, (size_t)j);
                break;
            }
        } else {
            if (cur->kind != XP_CFG_LIST) {
                set_err(err, n, "%s: %.*s: is %s (%s:%d:%d), not a list", label, (int)segs[i - 1].end, path,
                        kind_name(cur->kind), cur->file, cur->line, cur->col);
                goto out;
            }
            if (s->idx >= cur->len) {
                set_err(err, n, "%s: %.*s: index out of range (the list has %zu items)", label, prefix, path,
                        cur->len);
                goto out;
            }
            if (!last) {
                cur = cur->vals[s->idx];
                continue;
            }
            if (op == OP_ADD) {
                set_err(err, n, "%s: %.*s: '+' adds map keys, not list items (set the item with %.*s=..., or "
                        "the whole list)", label, prefix, path, prefix, path);
                goto out;
            }
            if (op == OP_DEL) {
                if (v && !node_equal(cur->vals[s->idx], v)) {
                    describe(cur->vals[s->idx], buf, sizeof buf);
                    set_err(err, n, "%s: %.*s: not deleted: its value is %s, not the one given", label, prefix,
                            path, buf);
                    goto out;
                }
                remove_at(cur, s->idx);
                if (fix_paths(cur, cur->path)) /* later items moved up */
                    goto oom;
            } else {
                char *ip = join_index(cur->path, s->idx);
                int r = ip ? put_value(&cur->vals[s->idx], v, ip) : -1;
                free(ip);
                if (r)
                    goto oom;
                v = NULL;
            }
        }
    }
    rc = XP_OK;
    goto out;
oom:
    set_err(err, n, "%s: out of memory", label);
    rc = XP_ENOMEM;
out:
    node_free(v);
    return rc;
}

static char *fmt_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_alloc(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = need >= 0 ? malloc((size_t)need + 1) : NULL;
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)need + 1, fmt, ap);
        va_end(ap);
    }
    return s;
}

/* Offset of the first byte of s that is not part of valid UTF-8 (overlong forms, surrogates
 * and code points above U+10FFFF included), or -1 if s is valid. */
static long utf8_invalid_at(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; u[i];) {
        unsigned c = u[i], lo = 0x80, hi = 0xBF;
        size_t n;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) n = 2;
        else if (c == 0xE0) { n = 3; lo = 0xA0; }
        else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) n = 3;
        else if (c == 0xED) { n = 3; hi = 0x9F; }
        else if (c == 0xF0) { n = 4; lo = 0x90; }
        else if (c >= 0xF1 && c <= 0xF3) n = 4;
        else if (c == 0xF4) { n = 4; hi = 0x8F; }
        else return (long)i;
        if (u[i + 1] < lo || u[i + 1] > hi) return (long)i;
        for (size_t k = 2; k < n; k++)
            if (u[i + k] < 0x80 || u[i + k] > 0xBF) return (long)i;
        i += n;
    }
    return -1;
}

int cfg_override(xp_cfg *root, const char *ov, char *err, size_t errlen)
{
    if (!root || root->kind != XP_CFG_MAP || !ov) {
        set_err(err, errlen, "cfg_override: needs a loaded config and an override");
        return XP_EINVAL;
    }
    unsigned num = ++root->overrides;
    char *label = fmt_alloc("<override %u: %s>", num, ov);
    if (!label) {
        set_err(err, errlen, "override %u: out of memory", num);
        return XP_ENOMEM;
    }
    int op = OP_SET;
    size_t p = 0;
    if (ov[0] == '~') {
        op = OP_DEL;
        p = 1;
    } else if (ov[0] == '+' && ov[1] == '+') {
        op = OP_UPSERT;
        p = 2;
    } else if (ov[0] == '+') {
        op = OP_ADD;
        p = 1;
    }
    const char *eq = strchr(ov + p, '=');
    int rc;
    /* The key path never goes through libyaml (only the value does), so a key with invalid
     * UTF-8 was accepted, and --print-config then wrote a file that does not load again
     * (found by tests/fuzz/fuzz_config). The whole text must be UTF-8, like a config file. */
    long bad = utf8_invalid_at(ov);
    if (bad >= 0) {
        set_err(err, errlen, "%s: invalid UTF-8 byte 0x%02X at column %ld (overrides must be UTF-8 text)",
                label, (unsigned)(unsigned char)ov[bad], bad + 1);
        rc = XP_ECONFIG;
    } else if (!eq && op != OP_DEL) {
        set_err(err, errlen, "%s: expected %sKEY=VALUE (or ~KEY to delete a key)", label, op_prefix(op));
        rc = XP_ECONFIG;
    } else {
        size_t plen = eq ? (size_t)(eq - ov) - p : strlen(ov + p);
        rc = apply_op(root, op, ov + p, plen, (int)p + 1, eq ? eq + 1 : NULL,
                      eq ? (int)(eq - ov) + 2 : 0, label, err, errlen);
    }
    free(label);
    return rc;
}

int cfg_set(xp_cfg *root, const char *path, const char *value, char *err, size_t errlen)
{
    if (!root || root->kind != XP_CFG_MAP || !path || !value) {
        set_err(err, errlen, "cfg_set: needs a loaded config, a path and a value");
        return XP_EINVAL;
    }
    char *label = fmt_alloc("<set %s=%s>", path, value);
    if (!label) {
        set_err(err, errlen, "cfg_set %s: out of memory", path);
        return XP_ENOMEM;
    }
    size_t plen = strlen(path);
    int rc = apply_op(root, OP_UPSERT, path, plen, 1, value, (int)plen + 2, label, err, errlen);
    free(label);
    return rc;
}

/* ---------------------------------------------------------------- to YAML */

typedef struct sb {
    char *s;
    size_t len, cap;
    int oom;
} sb;

static void sb_put(sb *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *t = realloc(b->s, cap);
        if (!t) {
            b->oom = 1;
            return;
        }
        b->s = t;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_puts(sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_pad(sb *b, int n)
{
    static const char sp[] = "                                ";
    while (n > 0) {
        int k = n < 32 ? n : 32;
        sb_put(b, sp, (size_t)k);
        n -= k;
    }
}

/* Bytes of a character at s that a double-quoted scalar must escape; 0 if printable. Covers
 * what libyaml would refuse or fold: C0/C1 controls, DEL, NEL, LS, PS, BOM, U+FFFE/FFFF. */
static size_t special_seq(const unsigned char *s)
{
    if (s[0] < 0x20 || s[0] == 0x7f)
        return 1;
    if (s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F)
        return 2;
    if (s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9))
        return 3;
    if (s[0] == 0xEF && ((s[1] == 0xBB && s[2] == 0xBF) || (s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF))))
        return 3;
    return 0;
}

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* Whether s reads back as the same plain scalar in block context. */
static int plain_ok(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    if (!n || strchr(",[]{}#&*!|>'\"%@`", u[0]))
        return 0;
    if ((u[0] == '-' || u[0] == '?' || u[0] == ':') && (n == 1 || is_blank(u[1])))
        return 0;
    if (n >= 3 && (!strncmp(s, "---", 3) || !strncmp(s, "...", 3)) && (n == 3 || is_blank(u[3])))
        return 0;
    if (is_blank(u[0]) || is_blank(u[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (special_seq(u + i)) /* includes tabs: YAML 1.2 allows them in plain text, PyYAML does not */
            return 0;
        if (u[i] == ':' && (u[i + 1] == '\0' || is_blank(u[i + 1])))
            return 0;
        if (u[i] == '#' && i > 0 && is_blank(u[i - 1]))
            return 0;
    }
    return 1;
}

/* Keys are always strings here, but other YAML readers (PyYAML, YAML 1.1) would type a plain
 * 123, true, yes or null key: quote those so the printed file means the same everywhere. */
static int key_reads_as_string(const char *k)
{
    static const char *const words[] = {"yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON",
                                        "off", "Off", "OFF"};
    int64_t i;
    double d;
    int b;
    if (is_null_text(k) || parse_int(k, &i) || parse_num(k, &d) || parse_bool(k, &b))
        return 0;
    for (size_t w = 0; w < sizeof words / sizeof *words; w++)
        if (!strcmp(k, words[w]))
            return 0;
    return 1;
}

static void emit_quoted(sb *b, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    sb_put(b, "\"", 1);
    for (size_t i = 0; u[i];) {
        size_t k = special_seq(u + i);
        char esc[16];
        if (!k) {
            if (u[i] == '"' || u[i] == '\\') {
                esc[0] = '\\';
                esc[1] = (char)u[i];
                sb_put(b, esc, 2);
            } else {
                sb_put(b, (const char *)u + i, 1);
            }
            i++;
            continue;
        }
        unsigned cp = k == 1 ? u[i] : k == 2 ? ((u[i] & 0x1Fu) << 6) | (u[i + 1] & 0x3Fu)
                                             : ((u[i] & 0x0Fu) << 12) | ((u[i + 1] & 0x3Fu) << 6) | (u[i + 2] & 0x3Fu);
        switch (cp) {
        case '\n': sb_puts(b, "\\n"); break;
        case '\t': sb_puts(b, "\\t"); break;
        case '\r': sb_puts(b, "\\r"); break;
        case 0x85: sb_puts(b, "\\N"); break;
        case 0x2028: sb_puts(b, "\\L"); break;
        case 0x2029: sb_puts(b, "\\P"); break;
        default:
            snprintf(esc, sizeof esc, cp <= 0xFF ? "\\x%02X" : "\\u%04X", cp);
            sb_puts(b, esc);
            break;
        }
        i += k;
    }
    sb_put(b, "\"", 1);
}

static void emit_scalar(sb *b, const xp_cfg *c)
{
    if (c->kind != XP_CFG_SCALAR)
        sb_puts(b, "null");
    else if (!c->quoted && plain_ok(c->text))
        sb_puts(b, c->text);
    else
        emit_quoted(b, c->text);
}

static void emit_map(sb *b, const xp_cfg *m, int indent, int first_inline);
static void emit_list(sb *b, const xp_cfg *l, int indent, int first_inline);

/* A scalar or empty collection on the current line. */
static void emit_inline(sb *b, const xp_cfg *v)
{
    if (v->kind == XP_CFG_MAP)
        sb_puts(b, "{}");
    else if (v->kind == XP_CFG_LIST)
        sb_puts(b, "[]");
    else
        emit_scalar(b, v);
}

static void emit_map(sb *b, const xp_cfg *m, int indent, int first_inline)
{
    for (size_t i = 0; i < m->len; i++) {
        const xp_cfg *v = m->vals[i];
        const char *k = m->keys[i]->text;
        if (i || !first_inline)
            sb_pad(b, indent);
        sb key = {0};
        if (plain_ok(k) && key_reads_as_string(k))
            sb_puts(&key, k);
        else
            emit_quoted(&key, k);
        if (key.oom)
            b->oom = 1;
        else if (key.len > QUOTE_KEY_MAX) {
            sb_puts(b, "? ");
            sb_put(b, key.s, key.len);
            sb_puts(b, "\n");
            sb_pad(b, indent);
        } else {
            sb_put(b, key.s, key.len);
        }
        free(key.s);
        sb_puts(b, ":");
        if (v->kind == XP_CFG_MAP && v->len) {
            sb_puts(b, "\n");
            emit_map(b, v, indent + 2, 0);
        } else if (v->kind == XP_CFG_LIST && v->len) {
            sb_puts(b, "\n");
            emit_list(b, v, indent + 2, 0);
        } else {
            sb_puts(b, " ");
            emit_inline(b, v);
            sb_puts(b, "\n");
        }
    }
}

static void emit_list(sb *b, const xp_cfg *l, int indent, int first_inline)
{
    for (size_t i = 0; i < l->len; i++) {
        const xp_cfg *v = l->vals[i];
        if (i || !first_inline)
            sb_pad(b, indent);
        sb_puts(b, "- ");
        if (v->kind == XP_CFG_MAP && v->len) {
            emit_map(b, v, indent + 2, 1);
        } else if (v->kind == XP_CFG_LIST && v->len) {
            emit_list(b, v, indent + 2, 1);
        } else {
            emit_inline(b, v);
            sb_puts(b, "\n");
        }
    }
}

char *cfg_to_yaml(const xp_cfg *root)
{
    if (!root)
        return NULL;
    sb b = {0};
    if (root->kind == XP_CFG_MAP && root->len) {
        emit_map(&b, root, 0, 0);
    } else if (root->kind == XP_CFG_LIST && root->len) {
        emit_list(&b, root, 0, 0);
    } else {
        emit_inline(&b, root);
        sb_puts(&b, "\n");
    }
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* ---------------------------------------------------------------- navigation */

int cfg_kind(const xp_cfg *node)
{
    return node ? node->kind : XP_CFG_MISSING;
}

const xp_cfg *cfg_get(const xp_cfg *map, const char *key)
{
    if (!map || !key)
        return NULL;
    long j = find_key(map, key);
    if (j < 0)
        return NULL;
    mark(map->keys[j]);
    return map->vals[j];
}

size_t cfg_len(const xp_cfg *node)
{
    return node && (node->kind == XP_CFG_LIST || node->kind == XP_CFG_MAP) ? node->len : 0;
}

const xp_cfg *cfg_at(const xp_cfg *node, size_t i)
{
    return node && (node->kind == XP_CFG_LIST || node->kind == XP_CFG_MAP) && i < node->len ? node->vals[i] : NULL;
}

const char *cfg_key_at(const xp_cfg *map, size_t i)
{
    if (!map || map->kind != XP_CFG_MAP || i >= map->len)
        return NULL;
    mark(map->keys[i]);
    return map->keys[i]->text;
}

const char *cfg_scalar(const xp_cfg *node)
{
    return node && node->kind == XP_CFG_SCALAR ? node->text : NULL;
}

int cfg_scalar_quoted(const xp_cfg *node)
{
    return node && node->kind == XP_CFG_SCALAR && node->quoted;
}

void cfg_mark_used(const xp_cfg *node)
{
    if (!node)
        return;
    mark(node);
    for (size_t i = 0; i < node->len; i++) {
        if (node->keys)
            mark(node->keys[i]);
        cfg_mark_used(node->vals[i]);
    }
}

const char *cfg_where(const xp_cfg *node)
{
    /* A few rotating buffers so two calls in one printf still work (the header promises one). */
    static _Thread_local char bufs[4][1024];
    static _Thread_local unsigned next;
    if (!node)
        return "(no config)";
    char *b = bufs[next++ % 4];
    if (node->path[0])
        snprintf(b, sizeof bufs[0], "%s:%d:%d (%s)", node->file, node->line, node->col, node->path);
    else
        snprintf(b, sizeof bufs[0], "%s:%d:%d", node->file, node->line, node->col);
    return b;
}

const char *cfg_file(const xp_cfg *node)
{
    return node ? node->file : "";
}

int cfg_line(const xp_cfg *node)
{
    return node ? node->line : 0;
}

int cfg_col(const xp_cfg *node)
{
    return node ? node->col : 0;
}

const char *cfg_keypath(const xp_cfg *node)
{
    return node ? node->path : "";
}

/* ---------------------------------------------------------------- typed reads */

/* 1: found (*out set), 0: absent and optional, <0: error. */
static int lookup(const xp_cfg *map, const char *key, int required, const xp_cfg **out, char *err, size_t n)
{
    *out = NULL;
    if (!key) {
        set_err(err, n, "cfg_read: no key");
        return XP_EINVAL;
    }
    if (!map) {
        if (!required)
            return 0;
        set_err(err, n, "missing required key '%s' (no config section given)", key);
        return XP_ECONFIG;
    }
    if (map->kind != XP_CFG_MAP) {
        char what[96];
        describe(map, what, sizeof what);
        node_err(err, n, map, "expected a map (with key '%s'), got %s", key, what);
        return XP_ECONFIG;
    }
    const xp_cfg *v = cfg_get(map, key);
    if (!v) {
        if (!required)
            return 0;
        node_err(err, n, map, "missing required key '%s'", key);
        return XP_ECONFIG;
    }
    *out = v;
    return 1;
}

static int type_err(const xp_cfg *v, const char *expected, const char *extra, char *err, size_t n)
{
    char what[96];
    describe(v, what, sizeof what);
    node_err(err, n, v, "expected %s, got %s%s", expected, what, extra);
    return XP_ECONFIG;
}

int cfg_read_str(const xp_cfg *map, const char *key, int required, const char **out, char *err, size_t n)
{
    const xp_cfg *v;
    int r = lookup(map, key, required, &v, err, n);
    if (r <= 0)
        return r;
    if (v->kind != XP_CFG_SCALAR)
        return type_err(v, "a string", "", err, n);
    *out = v->text;
    return XP_OK;
}

int cfg_read_int(const xp_cfg *map, const char *key, int required, int64_t *out, char *err, size_t n)
{
    const xp_cfg *v;
    int r = lookup(map, key, required, &v, err, n);
    if (r <= 0)
        return r;
    int64_t x = 0;
    int ok = v->kind == XP_CFG_SCALAR && !v->quoted ? parse_int(v->text, &x) : 0;
    if (ok <= 0)
        return type_err(v, "an integer", ok < 0 ? " (out of the 64-bit range)" : "", err, n);
    *out = x;
    return XP_OK;
}

int cfg_read_num(const xp_cfg *map, const char *key, int required, double *out, char *err, size_t n)
{
    const xp_cfg *v;
    int r = lookup(map, key, required, &v, err, n);
    if (r <= 0)
        return r;
    double x = 0;
    int ok = v->kind == XP_CFG_SCALAR && !v->quoted ? parse_num(v->text, &x) : 0;
    if (ok <= 0)
        return type_err(v, "a number", ok < 0 ? " (out of the double range)" : "", err, n);
    *out = x;
    return XP_OK;
}

int cfg_read_bool(const xp_cfg *map, const char *key, int required, int *out, char *err, size_t n)
{
    const xp_cfg *v;
    int r = lookup(map, key, required, &v, err, n);
    if (r <= 0)
        return r;
    int x = 0;
    if (v->kind != XP_CFG_SCALAR || v->quoted || !parse_bool(v->text, &x))
        return type_err(v, "a boolean (true or false)", "", err, n);
    *out = x;
    return XP_OK;
}

int cfg_read_choice(const xp_cfg *map, const char *key, const char *const *names, int n_names,
                    int required, int *out, char *err, size_t n)
{
    if (!names || n_names < 1) {
        set_err(err, n, "cfg_read_choice: no names for key '%s'", key ? key : "");
        return XP_EINVAL;
    }
    for (int i = 0; i < n_names; i++)
        if (!names[i]) {
            set_err(err, n, "cfg_read_choice: name %d of key '%s' is NULL", i, key ? key : "");
            return XP_EINVAL;
        }
    const xp_cfg *v;
    int r = lookup(map, key, required, &v, err, n);
    if (r <= 0)
        return r;
    if (v->kind == XP_CFG_SCALAR)
        for (int i = 0; i < n_names; i++)
            if (strcmp(v->text, names[i]) == 0) {
                *out = i;
                return XP_OK;
            }
    /* "one of a, b, c": cut with "..." if the names do not fit (a message, not a list). */
    char expected[512];
    size_t len = (size_t)snprintf(expected, sizeof expected, "one of ");
    for (int i = 0; i < n_names && len < sizeof expected; i++)
        len += (size_t)snprintf(expected + len, sizeof expected - len, "%s%s", i ? ", " : "", names[i]);
    if (len >= sizeof expected)
        memcpy(expected + sizeof expected - 4, "...", 4);
    return type_err(v, expected, "", err, n);
}

/* ---------------------------------------------------------------- unused keys */

size_t cfg_unused(const xp_cfg *node, void (*fn)(const xp_cfg *key_node, void *user), void *user)
{
    if (!node)
        return 0;
    size_t count = 0;
    for (size_t i = 0; i < node->len; i++) {
        if (node->kind == XP_CFG_MAP && !is_used(node->keys[i]) && !is_used(node->vals[i])) {
            if (fn)
                fn(node->keys[i], user);
            count++;
        } else {
            count += cfg_unused(node->vals[i], fn, user);
        }
    }
    return count;
}

int cfg_read_str_or_null(const xp_cfg *map, const char *key, const char **out, char *err, size_t n)
{
    const xp_cfg *v = cfg_get(map, key);
    if (v && cfg_kind(v) == XP_CFG_NULL) {
        *out = NULL;
        return XP_OK;
    }
    return cfg_read_str(map, key, 0, out, err, n);
}
