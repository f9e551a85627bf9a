/* csv_encoding.c — a Windows-1252 (or Latin-1) file read as UTF-8, before tokenizing.
 *
 *     data.options.encoding: cp1252      # also: latin1, iso-8859-1, windows-1252
 *
 * Spreadsheets on Windows and many public tables still write Windows-1252; the tokenizer
 * accepts UTF-8 only (an invalid byte is an error naming line and column, which suggests
 * this option). Every byte >= 0x80 becomes its code point's UTF-8: 0xA0-0xFF are U+00A0-
 * U+00FF in both encodings; 0x80-0x9F are Windows-1252's letters and signs (euro sign,
 * curly quotes, dashes), the five bytes it leaves undefined kept as U+0080-U+009F, as Latin-1
 * has them. A file labelled Latin-1 is in practice Windows-1252 (the WHATWG encoding
 * standard maps the label so too), hence one decoder for all four names.
 */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

/* Windows-1252 0x80-0x9F (0: undefined, kept as U+0080 + index). */
static const unsigned short cp1252_high[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E,
    0x0178,
};

int csv_encoding_known(const char *name)
{
    static const char *const names[] = { "cp1252", "windows-1252", "latin1", "latin-1", "iso-8859-1" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i]) == 0) return 1;
    return 0;
}

int csv_transcode_cp1252(xp_ctx *ctx, csv_table *t)
{
    const unsigned char *in = (const unsigned char *)t->buf;
    size_t high = 0;
    for (size_t i = 0; i < t->size; i++) high += in[i] >= 0x80;
    if (!high) return XP_OK;   /* plain ASCII: the same bytes */
    /* At most 3 UTF-8 bytes per input byte (U+20AC and the other U+2xxx signs). */
    size_t cap = t->size + 2 * high + 1 + CSV_NUM_PAD;
    unsigned char *out = malloc(cap);
    if (!out) return xp_fail(ctx, XP_ENOMEM, "%s: cannot allocate %zu bytes", t->path, cap);
    size_t k = 0;
    for (size_t i = 0; i < t->size; i++) {
        unsigned c = in[i];
        if (c < 0x80) { out[k++] = (unsigned char)c; continue; }
        if (c < 0xA0 && cp1252_high[c - 0x80]) c = cp1252_high[c - 0x80];
        if (c < 0x800) {
            out[k++] = (unsigned char)(0xC0 | (c >> 6));
            out[k++] = (unsigned char)(0x80 | (c & 0x3F));
        } else {
            out[k++] = (unsigned char)(0xE0 | (c >> 12));
            out[k++] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
            out[k++] = (unsigned char)(0x80 | (c & 0x3F));
        }
    }
    memset(out + k, 0, cap - k);   /* the sentinel and padding csv_read_file leaves */
    free(t->buf);
    t->buf = (char *)out;
    t->size = k;
    xp_log(ctx, XP_LOG_INFO, "%s: read as Windows-1252: %zu byte(s) above 0x7F turned into UTF-8", t->path, high);
    return XP_OK;
}
