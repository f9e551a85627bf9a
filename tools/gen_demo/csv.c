/* tools/gen_demo/csv.c — writes candidates_data.csv and counts its exact duplicate rows.
 *
 *     gd_csv_write("data/candidates_data.csv", rows, n_rows, items);
 *     long dups = gd_csv_count_duplicates(rows, n_rows);   // pandas: df.drop(columns=
 *                                                           //   "description").duplicated().sum()
 *
 * Floats are printed with "%.6g"; the generator rounds every value through that format
 * (gd_p6) before the oracle sees it, so the oracle conditions on exactly what the file shows.
 */
#include "gd.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double gd_p6(double x)
{
    char b[32];
    snprintf(b, sizeof b, "%.6g", x);
    return strtod(b, NULL);
}

/* One row without its trailing description; returns the length written. */
static size_t format_row(const gd_row *r, char *buf, size_t cap)
{
    size_t n = 0;
    for (int c = 0; c < GD_COL_DESC; c++) {
        double v = r->val[c];
        if (c) buf[n++] = ',';
        int w = 0;
        switch (gd_m.col_type[c]) {
        case GD_T_SOURCE: w = snprintf(buf + n, cap - n, "%d", r->src); break;
        case GD_T_QTY: w = snprintf(buf + n, cap - n, "%.0f", r->qty_known ? r->qty_true : -2.0); break;
        case GD_T_TARGET: w = snprintf(buf + n, cap - n, "%lld", r->target); break;
        default:
            if (isnan(v)) break;
            switch (gd_m.col_type[c]) {
            case GD_T_INT: w = snprintf(buf + n, cap - n, "%.0f", v); break;
            case GD_T_BOOL: w = snprintf(buf + n, cap - n, "%s", v != 0 ? "True" : "False"); break;
            case GD_T_NR: w = snprintf(buf + n, cap - n, "nr_%.0f", v); break;
            case GD_T_SH: w = snprintf(buf + n, cap - n, "sh_%.0f", v); break;
            default: w = snprintf(buf + n, cap - n, "%.6g", v); break;
            }
        }
        n += (size_t)w;
    }
    buf[n] = 0;
    return n;
}

int gd_csv_write(const char *path, const gd_row *rows, long n_rows, const gd_item *items)
{
    FILE *f = fopen(path, "wb");
    if (!f) gd_die("cannot write %s: %s", path, strerror(errno));
    static char fbuf[1 << 16];
    setvbuf(f, fbuf, _IOFBF, sizeof fbuf);
    for (int c = 0; c < GD_NCOL; c++) fprintf(f, "%s%s", c ? "," : "", gd_m.col_name[c]);
    fputc('\n', f);
    char line[4096];
    for (long k = 0; k < n_rows; k++) {
        format_row(&rows[k], line, sizeof line);
        fputs(line, f);
        fputc(',', f);
        if (rows[k].desc_shown) fputs(items[rows[k].item].desc, f);
        fputc('\n', f);
    }
    if (fflush(f) != 0 || ferror(f)) gd_die("write error on %s: %s", path, strerror(errno));
    fclose(f);
    return 0;
}

static uint64_t hash2(const char *s, uint64_t h)
{
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

long gd_csv_count_duplicates(const gd_row *rows, long n_rows)
{
    size_t cap = 1;
    while (cap < (size_t)n_rows * 2) cap *= 2;
    uint64_t(*slot)[2] = calloc(cap, sizeof *slot);
    if (!slot) gd_die("out of memory");
    char line[4096];
    long dups = 0;
    for (long k = 0; k < n_rows; k++) {
        format_row(&rows[k], line, sizeof line);
        uint64_t a = hash2(line, 1469598103934665603ull) | 1, b = hash2(line, 0x84222325cbf29ce4ull);
        size_t i = a & (cap - 1);
        for (;; i = (i + 1) & (cap - 1)) {
            if (!slot[i][0]) {
                slot[i][0] = a;
                slot[i][1] = b;
                break;
            }
            if (slot[i][0] == a && slot[i][1] == b) {
                dups++;
                break;
            }
        }
    }
    free(slot);
    return dups;
}
