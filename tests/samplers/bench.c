/* tests/samplers/bench.c — runs one sampler plugin on a benchmark objective for a range of
 * seeds and prints the best value of each study, one per line (for tpe_vs_optuna.py and for
 * measuring by hand).
 *
 *     sampler_bench build-x/plugins/samplers/tpe/tpe.so tpe quad 40 1 20 '{multivariate: true}'
 *
 * Arguments: plugin file, sampler name, objective (quad | hpo), trials per study, first seed,
 * number of seeds, optional sampler options as YAML flow text.
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "harness.h"

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: %s PLUGIN.so NAME quad|hpo TRIALS SEED0 NSEEDS [OPTIONS]\n", argv[0]);
        return 2;
    }
    const bench_fn *fn = bench_find(argv[3]);
    if (!fn) return fprintf(stderr, "unknown objective %s\n", argv[3]), 2;
    int trials = atoi(argv[4]);
    long seed0 = atol(argv[5]), nseeds = atol(argv[6]);
    char err[1024];
    xp_cfg *cfg = NULL;
    if (argc > 7 && !(cfg = cfg_load_string(argv[7], "options", err, sizeof err)))
        return fprintf(stderr, "options: %s\n", err), 2;
    harness h;
    if (harness_open(&h, argv[1], argv[2])) return 1;
    int rc = 0;
    for (long s = seed0; s < seed0 + nseeds && !rc; s++) {
        double best;
        rc = bench_run(&h, cfg, fn, XP_MINIMIZE, (uint64_t)s, trials, &best, err, sizeof err);
        if (rc) fprintf(stderr, "seed %ld: %s\n", s, err);
        else printf("%.17g\n", best);
    }
    harness_close(&h);
    cfg_free(cfg);
    return rc ? 1 : 0;
}
