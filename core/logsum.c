/* core/logsum.c — see logsum.h.
 *
 *     const char *l[] = { "12 of 514 parsed", "9 of 514 parsed" };
 *     char *s = logsum_merge(l, 2);    // "9-12 of 514 parsed"
 *
 * A number is a run of digits (with an optional fraction and exponent, and a leading '-')
 * that does not continue a word: "feature_12" and "pc3" are names, not numbers.
 */
#include "logsum.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *level_name(int level)
{
    return level == 0 ? "error" : level == 1 ? "warning" : level == 2 ? "info" : "debug";
}

void logsum_init(logsum *ls)
{
    memset(ls, 0, sizeof *ls);
    pthread_mutex_init(&ls->mu, NULL);
}

int logsum_add(logsum *ls, const char *who, int level, const char *text)
{
    pthread_mutex_lock(&ls->mu);
    int rc = 0;
    if (ls->n == ls->cap) {
        size_t cap = ls->cap ? 2 * ls->cap : 64;
        logsum_line *v = realloc(ls->v, cap * sizeof *v);
        if (!v) rc = -1;
        else { ls->v = v; ls->cap = cap; }
    }
    if (!rc) {
        logsum_line *l = &ls->v[ls->n];
        l->who = strdup(who ? who : "xp");
        l->text = strdup(text);
        l->level = level;
        if (!l->who || !l->text) { free(l->who); free(l->text); rc = -1; }
        else ls->n++;
    }
    if (rc) ls->lost++;
    pthread_mutex_unlock(&ls->mu);
    return rc;
}

/* Length of the number at s[i] (0: none). */
static size_t number_at(const char *s, size_t i)
{
    if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_' || s[i - 1] == '.')) return 0;
    size_t j = i;
    if (s[j] == '-' && isdigit((unsigned char)s[j + 1])) j++;
    if (!isdigit((unsigned char)s[j])) return 0;
    while (isdigit((unsigned char)s[j])) j++;
    if (s[j] == '.' && isdigit((unsigned char)s[j + 1])) { j++; while (isdigit((unsigned char)s[j])) j++; }
    if ((s[j] == 'e' || s[j] == 'E') && (isdigit((unsigned char)s[j + 1]) ||
        ((s[j + 1] == '-' || s[j + 1] == '+') && isdigit((unsigned char)s[j + 2])))) {
        j += 2;
        while (isdigit((unsigned char)s[j])) j++;
    }
    if (isalpha((unsigned char)s[j]) || s[j] == '_') return 0;   /* "3d", "2x": part of a word */
    return j - i;
}

/* The text with every number replaced by '\1' (caller frees). */
static char *shape(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < len;) {
        size_t k = number_at(s, i);
        if (k) { *o++ = '\1'; i += k; }
        else *o++ = s[i++];
    }
    *o = '\0';
    return out;
}

char *logsum_merge(const char *const *lines, size_t n)
{
    if (!n) return strdup("");
    size_t cap = strlen(lines[0]) * 2 + 64, len = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    const char **pos = calloc(n, sizeof *pos);
    if (!pos) { free(out); return NULL; }
    for (size_t k = 0; k < n; k++) pos[k] = lines[k];
    const char *s = lines[0];
    while (*s) {
        size_t w = number_at(lines[0], (size_t)(s - lines[0]));
        char piece[160];
        size_t plen;
        if (!w) { piece[0] = *s; plen = 1; s++; for (size_t k = 1; k < n; k++) pos[k]++; }
        else {
            /* This number in every line: the smallest and largest, as written. */
            double lo = 0, hi = 0;
            const char *lo_s = s, *hi_s = s;
            size_t lo_w = w, hi_w = w;
            int differ = 0;
            for (size_t k = 0; k < n; k++) {
                const char *p = k ? pos[k] : s;
                size_t kw = k ? number_at(lines[k], (size_t)(p - lines[k])) : w;
                if (!kw) { kw = 0; }
                double v = strtod(p, NULL);
                if (k == 0) lo = hi = v;
                if (kw != w || strncmp(p, s, w)) differ = 1;
                if (v < lo) { lo = v; lo_s = p; lo_w = kw; }
                if (v > hi) { hi = v; hi_s = p; hi_w = kw; }
                if (k) pos[k] = p + kw;
            }
            if (differ && lo_w < 70 && hi_w < 70)
                plen = (size_t)snprintf(piece, sizeof piece, "%.*s-%.*s", (int)lo_w, lo_s, (int)hi_w, hi_s);
            else plen = (size_t)snprintf(piece, sizeof piece, "%.*s", (int)(w < 150 ? w : 150), s);
            s += w;
        }
        if (len + plen + 1 > cap) {
            cap = 2 * (len + plen + 1);
            char *o2 = realloc(out, cap);
            if (!o2) { free(out); free(pos); return NULL; }
            out = o2;
        }
        memcpy(out + len, piece, plen);
        len += plen;
    }
    out[len] = '\0';
    free(pos);
    return out;
}

void logsum_flush(logsum *ls, int folds)
{
    pthread_mutex_lock(&ls->mu);
    size_t n = ls->n;
    char **shapes = calloc(n ? n : 1, sizeof *shapes);
    char *done = calloc(n ? n : 1, 1);
    const char **group = calloc(n ? n : 1, sizeof *group);
    int ok = shapes && done && group;
    for (size_t i = 0; ok && i < n; i++) ok = (shapes[i] = shape(ls->v[i].text)) != NULL;
    for (size_t i = 0; i < n; i++) {
        if (ok && done[i]) continue;
        size_t g = 0;
        if (ok)
            for (size_t j = i; j < n; j++)
                if (!done[j] && ls->v[j].level == ls->v[i].level && !strcmp(ls->v[j].who, ls->v[i].who) &&
                    !strcmp(shapes[j], shapes[i])) {
                    done[j] = 1;
                    group[g++] = ls->v[j].text;
                }
        char *merged = ok && g > 1 ? logsum_merge(group, g) : NULL;
        if (g >= 1 && folds > 1)
            fprintf(stderr, "[%s] %s: %s  [%zu of %d folds]\n", ls->v[i].who, level_name(ls->v[i].level),
                    merged ? merged : ls->v[i].text, g, folds);
        else
            fprintf(stderr, "[%s] %s: %s\n", ls->v[i].who, level_name(ls->v[i].level), ls->v[i].text);
        free(merged);
    }
    for (size_t i = 0; i < n; i++) {
        if (shapes) free(shapes[i]);
        free(ls->v[i].who);
        free(ls->v[i].text);
    }
    free(shapes);
    free(done);
    free(group);
    ls->n = 0;
    pthread_mutex_unlock(&ls->mu);
}

void logsum_free(logsum *ls)
{
    logsum_flush(ls, 0);
    free(ls->v);
    pthread_mutex_destroy(&ls->mu);
    memset(ls, 0, sizeof *ls);
}
