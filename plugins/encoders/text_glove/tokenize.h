/* tokenize.h — the tokeniser and the distinct-text index shared by the text encoders
 * (text_glove and tokens compile tokenize.c in, and the transform word_infer; nothing here is
 * exported from the .so).
 *
 *     const char *p = "Carbon-Fiber Hull Panel, 2.5m";
 *     char tok[TK_MAX];
 *     int cut;
 *     size_t n;
 *     while ((n = tk_next(&p, 1, tok, sizeof tok, &cut)) > 0) puts(tok);
 *     // carbon-fiber / hull / panel / 2.5m
 *
 * Rules: ASCII letters and digits and any byte >= 0x80 (UTF-8) make words; everything else
 * separates them, except a hyphen between two word bytes ("carbon-fiber", "x-35"), and a '.'
 * or ',' between two digits ("2.5", "1,000"). A possessive "'s" is dropped ("ship's" ->
 * "ship"); other apostrophes separate. UTF-8 general punctuation (U+2010..U+201F: dashes,
 * curly quotes) separates too. With `lowercase`, ASCII letters are lower-cased (GloVe's
 * vocabulary is lower case). Hyphenated tokens are returned whole: callers look them up
 * whole first and split them on '-' (tk_parts) as the fallback.
 */
#ifndef XP_ENC_TOKENIZE_H
#define XP_ENC_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

#include "xp/frame.h"

#define TK_MAX 128    /* longest token kept whole; longer ones are cut and flagged */

/* Next token of *p into out (NUL-terminated, at most cap-1 bytes); returns its length, 0 at
 * the end of the text. *cut is set to 1 when the token was longer than cap-1 (out holds its
 * start), else 0. */
size_t tk_next(const char **p, int lowercase, char *out, size_t cap, int *cut);

/* Splits a hyphenated token in place on '-' into parts (pointers into tok); returns the
 * number of non-empty parts (at most max). */
size_t tk_parts(char *tok, char **parts, size_t max);

/* FNV-1a of a string with a final mix of its high bits into the low ones (callers mask the
 * low bits for open addressing): the hash the distinct-text index uses, and the one its
 * callers use for their own word tables. */
uint64_t tk_hash(const char *s);

/* Distinct texts of a TEXT column: rows with the same string share one index.
 *     tk_distinct d;
 *     if (tk_distinct_build(col, f->n_rows, &d)) -> out of memory
 *     d.text[k] is the k-th distinct string (borrowed from the column), d.rows[k] how many
 *     rows show it, d.of_row[i] row i's index (-1 when the row's text is missing).
 */
typedef struct tk_distinct {
    size_t n;
    const char **text;
    size_t *rows;
    int32_t *of_row;
} tk_distinct;

int tk_distinct_build(const xp_column *c, size_t n_rows, tk_distinct *d);
void tk_distinct_free(tk_distinct *d);

#endif
