/* core/space.c — parses `search.space` (see space.h) and writes each dimension's Optuna
 * distribution JSON, so Optuna reading our database sees the same distributions it would
 * have written itself.
 */
#include "space.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* A JSON number if the YAML scalar is one, else a JSON string. */
static void json_choice(const char *s, int quoted, char *buf, size_t n)
{
    char *end;
    if (!quoted && *s) {
        strtod(s, &end);
        if (*end == 0 && strcmp(s, "nan") != 0 && strcmp(s, "inf") != 0) {
            snprintf(buf, n, "%s", s);
            return;
        }
        if (!strcmp(s, "true") || !strcmp(s, "false") || !strcmp(s, "null")) {
            snprintf(buf, n, "%s", s);
            return;
        }
    }
    size_t o = 0;
    if (o < n) buf[o++] = '"';
    for (; *s && o + 7 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { buf[o++] = '\\'; buf[o++] = (char)c; }
        else if (c < 0x20) o += (size_t)snprintf(buf + o, n - o, "\\u%04x", c);
        else buf[o++] = (char)c;
    }
    if (o + 1 < n) buf[o++] = '"';
    buf[o < n ? o : n - 1] = 0;
}

/* A choice as YAML flow text that re-parses to the same scalar: plain when it was plain and
 * safe, double-quoted (with escapes) when it was quoted or holds YAML indicators. */
static char *choice_yaml(const char *s, int quoted)
{
    int needs = quoted || !*s || s[0] == ' ' || s[strlen(s) - 1] == ' ' || strpbrk(s, ",:[]{}#&*!|>'\"%@`\\\t\n") != NULL;
    if (!needs) return dup_str(s);
    size_t n = strlen(s), o = 0;
    char *d = malloc(2 * n + 3);
    if (!d) return NULL;
    d[o++] = '"';
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') d[o++] = '\\';
        if (*s == '\n') { d[o++] = '\\'; d[o++] = 'n'; continue; }
        if (*s == '\t') { d[o++] = '\\'; d[o++] = 't'; continue; }
        d[o++] = *s;
    }
    d[o++] = '"';
    d[o] = 0;
    return d;
}

static int fail(char *err, size_t n, const xp_cfg *node, const char *msg)
{
    snprintf(err, n, "%s: %s", cfg_where(node), msg);
    return XP_ECONFIG;
}

int space_parse(space *sp, const xp_cfg *node, char *err, size_t n)
{
    memset(sp, 0, sizeof *sp);
    int kind = cfg_kind(node);
    if (kind == XP_CFG_MISSING || kind == XP_CFG_NULL) return XP_OK;
    if (kind != XP_CFG_MAP) return fail(err, n, node, "expected a map of config.path: {type: ..., ...}");
    size_t count = cfg_len(node);
    sp->params = calloc(count ? count : 1, sizeof *sp->params);
    sp->distribution_json = calloc(count ? count : 1, sizeof *sp->distribution_json);
    sp->choice_yaml = calloc(count ? count : 1, sizeof *sp->choice_yaml);
    if (!sp->params || !sp->distribution_json || !sp->choice_yaml) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    for (size_t i = 0; i < count; i++) {
        const char *name = cfg_key_at(node, i);
        const xp_cfg *d = cfg_at(node, i);
        xp_param_spec *p = &sp->params[i];
        sp->n = i + 1;
        p->name = name;
        if (cfg_kind(d) != XP_CFG_MAP) return fail(err, n, d, "expected {type: int|float|categorical, ...}");
        const char *type = NULL;
        int rc = cfg_read_str(d, "type", 1, &type, err, n);
        if (rc) return rc;
        char json[4096];
        if (!strcmp(type, "int") || !strcmp(type, "float")) {
            int is_int = type[0] == 'i';
            p->type = is_int ? XP_PARAM_INT : XP_PARAM_FLOAT;
            p->step = is_int ? 1 : 0;
            if ((rc = cfg_read_num(d, "low", 1, &p->low, err, n)) ||
                (rc = cfg_read_num(d, "high", 1, &p->high, err, n)) ||
                (rc = cfg_read_num(d, "step", 0, &p->step, err, n)) ||
                (rc = cfg_read_bool(d, "log", 0, &p->log, err, n)))
                return rc;
            if (!(p->low <= p->high)) return fail(err, n, d, "low must be <= high");
            if (p->log && p->low <= 0) return fail(err, n, d, "log scale needs low > 0");
            if (p->log && p->step != (is_int ? 1 : 0))
                return fail(err, n, d, "step and log cannot be combined (as in Optuna)");
            if (p->step < 0) return fail(err, n, d, "step must be > 0");
            if (is_int && (p->low != floor(p->low) || p->high != floor(p->high) || p->step != floor(p->step)))
                return fail(err, n, d, "int bounds and step must be integers");
            if (is_int)
                snprintf(json, sizeof json,
                         "{\"name\": \"IntDistribution\", \"attributes\": {\"log\": %s, \"step\": %lld, \"low\": %lld, \"high\": %lld}}",
                         p->log ? "true" : "false", (long long)p->step, (long long)p->low, (long long)p->high);
            else if (p->step > 0)
                snprintf(json, sizeof json,
                         "{\"name\": \"FloatDistribution\", \"attributes\": {\"step\": %.17g, \"low\": %.17g, \"high\": %.17g, \"log\": false}}",
                         p->step, p->low, p->high);
            else
                snprintf(json, sizeof json,
                         "{\"name\": \"FloatDistribution\", \"attributes\": {\"step\": null, \"low\": %.17g, \"high\": %.17g, \"log\": %s}}",
                         p->low, p->high, p->log ? "true" : "false");
        } else if (!strcmp(type, "categorical")) {
            p->type = XP_PARAM_CATEGORICAL;
            const xp_cfg *ch = cfg_get(d, "choices");
            if (cfg_kind(ch) != XP_CFG_LIST || cfg_len(ch) == 0)
                return fail(err, n, ch ? ch : d, "categorical needs a non-empty list 'choices'");
            p->n_choices = cfg_len(ch);
            const char **choices = calloc(p->n_choices, sizeof *choices);
            sp->choice_yaml[i] = calloc(p->n_choices, sizeof(char *));
            p->choices = choices;
            if (!choices || !sp->choice_yaml[i]) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
            size_t o = (size_t)snprintf(json, sizeof json,
                                        "{\"name\": \"CategoricalDistribution\", \"attributes\": {\"choices\": [");
            for (size_t c = 0; c < p->n_choices; c++) {
                const xp_cfg *item = cfg_at(ch, c);
                choices[c] = cfg_scalar(item);
                if (!choices[c]) return fail(err, n, item, "choices must be scalars");
                if (!(sp->choice_yaml[i][c] = choice_yaml(choices[c], cfg_scalar_quoted(item)))) {
                    snprintf(err, n, "out of memory");
                    return XP_ENOMEM;
                }
                char one[512];
                json_choice(choices[c], cfg_scalar_quoted(item), one, sizeof one);
                o += (size_t)snprintf(json + o, sizeof json - o, "%s%s", c ? ", " : "", one);
                if (o >= sizeof json) return fail(err, n, ch, "too many choices");
            }
            snprintf(json + o, sizeof json - o, "]}}");
        } else {
            return fail(err, n, cfg_get(d, "type"), "type must be int, float or categorical");
        }
        if (!(sp->distribution_json[i] = dup_str(json))) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    }
    return XP_OK;
}

void space_free(space *sp)
{
    for (size_t i = 0; i < sp->n; i++) {
        for (size_t c = 0; sp->choice_yaml[i] && c < sp->params[i].n_choices; c++) free(sp->choice_yaml[i][c]);
        free(sp->choice_yaml[i]);
        free((void *)sp->params[i].choices);
        free(sp->distribution_json[i]);
    }
    free(sp->params);
    free(sp->distribution_json);
    free(sp->choice_yaml);
    memset(sp, 0, sizeof *sp);
}

void space_value_text(const space *sp, size_t i, double v, char *buf, size_t n)
{
    const xp_param_spec *p = &sp->params[i];
    switch (p->type) {
    case XP_PARAM_INT: snprintf(buf, n, "%lld", (long long)llround(v)); break;
    case XP_PARAM_FLOAT: snprintf(buf, n, "%.17g", v); break;
    case XP_PARAM_CATEGORICAL: {
        size_t k = v >= 0 && v < (double)p->n_choices ? (size_t)v : 0;
        snprintf(buf, n, "%s", sp->choice_yaml[i][k]);
        break;
    }
    }
}

int space_find(const space *sp, const char *name)
{
    for (size_t i = 0; i < sp->n; i++)
        if (!strcmp(sp->params[i].name, name)) return (int)i;
    return -1;
}
