/* core/registry.h — finds plugin shared objects, loads and validates them.
 *
 *     registry *r = registry_new();
 *     registry_scan(r, "plugins", err, sizeof err);         // recursive, *.so
 *     const xp_plugin *p = registry_find(r, XP_KIND_LOADER, "csv");
 *     registry_free(r);                                     // dlclose()s everything
 *
 * A file is dlopen()ed with RTLD_NOW|RTLD_LOCAL; it must export xp_plugin_entry, built for
 * XP_ABI_VERSION, with descriptors of the right size and a kind-specific ops table whose
 * struct_size covers the fields the runner uses. A kind/name pair seen twice is an error
 * naming both files. Errors name the file and the reason (with dlerror() and a hint to
 * check dependencies with ldd).
 */
#ifndef XP_CORE_REGISTRY_H
#define XP_CORE_REGISTRY_H

#include <stddef.h>

#include "xp/plugin.h"

typedef struct registry registry;

registry *registry_new(void);
void registry_free(registry *r);

/* Loads one .so. Returns XP_OK or XP_EPLUGIN with the reason in err. */
int registry_load_file(registry *r, const char *path, char *err, size_t errlen);
/* Loads every *.so under dir (recursively, sorted). A missing dir is not an error. A file
 * that cannot be loaded or validated is kept aside (registry_broken_at) and the scan goes
 * on, so one plugin whose library is missing on this machine only fails the configs that
 * use it. Returns an error only for a kind/name provided by two files, or ENOMEM. */
int registry_scan(registry *r, const char *dir, char *err, size_t errlen);
/* Files that could not be loaded, with the reason (path, file, dlerror...). */
size_t registry_broken_count(const registry *r);
const char *registry_broken_at(const registry *r, size_t i, const char **reason);
/* The load error of a file named like the plugin `name` (image_mobilenet.so for
 * "image_mobilenet"), or NULL: for "no plugin named X" messages. */
const char *registry_why_missing(const registry *r, const char *name);
/* Writes "WHERE: no KIND plugin named 'NAME'" (or why its file did not load) into err and
 * returns XP_ECONFIG. */
int registry_not_found(const registry *r, xp_kind kind, const char *name, const char *where,
                       char *err, size_t errlen);

const xp_plugin *registry_find(const registry *r, xp_kind kind, const char *name);
size_t registry_count(const registry *r);
const xp_plugin *registry_at(const registry *r, size_t i, const char **file);
/* The file a plugin came from. */
const char *registry_file_of(const registry *r, const xp_plugin *p);

#endif
