/* profile_dump.c — writes the synthetic challenge frame (challenge_frame.h, 40,292 x 80) as
 * CSV, profiles it with the real `profile` plugin and writes the stored record as JSON, for
 * profile_oracle.py to check against pandas. Prints the fit time on stdout.
 *
 *     ./profile_dump build/plugins/transforms/profile/profile.so /tmp/p.csv /tmp/p.json
 */
#include <time.h>

#include "challenge_frame.h"

static int write_csv(const xp_frame *f, const char *path)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return -1;
    for (size_t j = 0; j < f->n_cols; j++) fprintf(fp, "%s%s", j ? "," : "", f->cols[j]->name);
    fputc('\n', fp);
    for (size_t i = 0; i < f->n_rows; i++) {
        for (size_t j = 0; j < f->n_cols; j++) {
            const xp_column *c = f->cols[j];
            if (j) fputc(',', fp);
            switch (c->type) {
            case XP_COL_NUMERIC:
            case XP_COL_BOOL:
                if (!isnan(c->num[i])) fprintf(fp, "%.17g", c->num[i]);
                break;
            case XP_COL_CATEGORICAL:
                if (c->codes[i] >= 0) fprintf(fp, "\"%s\"", c->levels[c->codes[i]]);
                break;
            case XP_COL_TEXT:
                if (c->text[i]) fprintf(fp, "\"%s\"", c->text[i]);
                break;
            case XP_COL_VECTOR:
                break;   /* not dumped: the profile oracle reads CSV-typed columns only */
            }
        }
        fputc('\n', fp);
    }
    return fclose(fp);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s profile.so out.csv out.json\n", argv[0]);
        return 2;
    }
    xp_frame *f = challenge_frame(40292, 2);
    if (write_csv(f, argv[2])) {
        fprintf(stderr, "cannot write %s\n", argv[2]);
        return 1;
    }
    txh h;
    if (txh_open(&h, argv[1], "profile")) return 1;
    if (txh_create(&h, "{}\n")) {
        fprintf(stderr, "create: %s\n", h.call.msg);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = txh_fit(&h, f);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc) {
        fprintf(stderr, "fit: %s\n", h.call.msg);
        return 1;
    }
    printf("%.3f\n", (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    char *json = txh_record(&h, "profile");
    FILE *fp = fopen(argv[3], "w");
    if (!json || !fp) {
        fprintf(stderr, "no profile record\n");
        return 1;
    }
    fputs(json, fp);
    fclose(fp);
    free(json);
    txh_close(&h);
    frame_free(f);
    return 0;
}
