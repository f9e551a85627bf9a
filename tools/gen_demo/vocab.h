/* tools/gen_demo/vocab.h — the description vocabulary (defined in model.c).
 *
 *     const char *w = gd_size_words[s][0];   // "Large"
 *
 * Informative words map to exactly one property value; fillers carry no information.
 */
#ifndef GD_VOCAB_H
#define GD_VOCAB_H

#include "gd.h"

enum { GD_NFILL_PRE = 21, GD_NFILL_POST = 9 };

extern const gd_component gd_components[GD_NC];
extern const char *const gd_materials[GD_NM];
extern const char *const gd_size_words[GD_NS][2];
extern const char *const gd_finish_words[GD_NF][2];
extern const char *const gd_grade_words[GD_NG][2];
extern const char *const gd_filler_pre[GD_NFILL_PRE];
extern const char *const gd_filler_post[GD_NFILL_POST];

#endif
