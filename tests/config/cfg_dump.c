/* tests/config/cfg_dump.c — loads a config, applies overrides, prints the resolved YAML.
 *
 *     cfg_dump fixtures/child.yaml ++seed=3 '~data.target'
 *
 * Used by yaml_oracle.py, which checks with PyYAML (an independent parser) that what
 * cfg_to_yaml prints reads back as the same data as the file it came from.
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CONFIG.yaml [override ...]\n", argv[0]);
        return 2;
    }
    char err[2048];
    xp_cfg *root = cfg_load_file(argv[1], err, sizeof err);
    if (!root) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        if (cfg_override(root, argv[i], err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            cfg_free(root);
            return 1;
        }
    }
    char *y = cfg_to_yaml(root);
    int rc = y ? 0 : 1;
    if (y)
        fputs(y, stdout);
    free(y);
    cfg_free(root);
    return rc;
}
