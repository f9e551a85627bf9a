/* core/registry.c — plugin discovery and validation (see registry.h).
 *
 *     registry *r = registry_new();
 *     if (registry_scan(r, "plugins", err, sizeof err)) die(err);
 *     const xp_plugin *csv = registry_find(r, XP_KIND_LOADER, "csv");
 *
 * Every check names the file: a loader error must tell the user which .so to fix.
 */
#include "registry.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct entry {
    const xp_plugin *plugin;
    size_t file;                 /* index into files */
} entry;

typedef struct broken {
    char *path;                  /* the file */
    char *stem;                  /* its name without folder and .so: the plugin it likely holds */
    char *reason;
} broken;

struct registry {
    entry *entries;
    size_t n, cap;
    broken *broken;              /* files that could not be loaded (see registry_scan) */
    size_t n_broken;
    char **files;                /* paths of loaded .so files */
    void **handles;
    size_t n_files, cap_files;
};

registry *registry_new(void) { return calloc(1, sizeof(registry)); }

void registry_free(registry *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n_files; i++) {
        if (r->handles[i]) dlclose(r->handles[i]);
        free(r->files[i]);
    }
    free(r->files);
    free(r->handles);
    free(r->entries);
    for (size_t i = 0; i < r->n_broken; i++) {
        free(r->broken[i].path);
        free(r->broken[i].stem);
        free(r->broken[i].reason);
    }
    free(r->broken);
    free(r);
}

/* Smallest ops struct_size the runner accepts per kind: the fields it calls. */
static size_t min_ops_size(xp_kind kind)
{
    switch (kind) {
    case XP_KIND_LOADER: return offsetof(xp_loader_ops, load) + sizeof(void *);
    case XP_KIND_TRANSFORM:
    case XP_KIND_ENCODER: return offsetof(xp_transform_ops, destroy) + sizeof(void *);
    case XP_KIND_MODEL: return offsetof(xp_model_ops, destroy) + sizeof(void *);
    case XP_KIND_METRIC: return offsetof(xp_metric_ops, compute) + sizeof(void *);
    case XP_KIND_SAMPLER: return offsetof(xp_sampler_ops, destroy) + sizeof(void *);
    }
    return 0;
}

static int valid_name(const char *s)
{
    if (!s || !*s) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

/* Checks one descriptor; writes the reason into err. */
static int check_plugin(const xp_plugin *p, const char *path, size_t idx, char *err, size_t n)
{
    if (!p) {
        snprintf(err, n, "%s: plugin #%zu: descriptor is NULL", path, idx);
        return XP_EPLUGIN;
    }
    if (p->abi_version != XP_ABI_VERSION) {
        snprintf(err, n, "%s: plugin #%zu: built for plugin ABI version %u, this runner speaks version %u; rebuild it against this runner's include/xp headers",
                 path, idx, p->abi_version, XP_ABI_VERSION);
        return XP_EPLUGIN;
    }
    /* Fields after `ops` were appended later (read through XP_PLUGIN_HAS): a descriptor
     * built against older headers stops at ops and is still valid. */
    size_t min_desc = offsetof(xp_plugin, ops) + sizeof(void *);
    if (p->struct_size < min_desc) {
        snprintf(err, n, "%s: plugin #%zu: descriptor is %u bytes, expected at least %zu", path,
                 idx, p->struct_size, min_desc);
        return XP_EPLUGIN;
    }
    size_t need = min_ops_size(p->kind);
    if (!need) {
        snprintf(err, n, "%s: plugin #%zu: unknown kind %d", path, idx, (int)p->kind);
        return XP_EPLUGIN;
    }
    if (!valid_name(p->name)) {
        snprintf(err, n, "%s: plugin #%zu: name \"%s\" must be non-empty [a-z0-9_]", path, idx,
                 p->name ? p->name : "(null)");
        return XP_EPLUGIN;
    }
    if (!p->version || !p->description) {
        snprintf(err, n, "%s: %s %s: version and description are required", path,
                 xp_kind_name(p->kind), p->name);
        return XP_EPLUGIN;
    }
    const uint32_t *ops_size = p->ops;
    if (!ops_size || *ops_size < need) {
        snprintf(err, n, "%s: %s %s: ops table is %s (%u bytes), expected at least %zu", path,
                 xp_kind_name(p->kind), p->name, ops_size ? "too small" : "missing",
                 ops_size ? *ops_size : 0u, need);
        return XP_EPLUGIN;
    }
    return XP_OK;
}

static int add_file(registry *r, const char *path, void *handle)
{
    if (r->n_files == r->cap_files) {
        size_t cap = r->cap_files ? 2 * r->cap_files : 16;
        char **f = realloc(r->files, cap * sizeof *f);
        if (!f) return -1;
        r->files = f;
        void **h = realloc(r->handles, cap * sizeof *h);
        if (!h) return -1;
        r->handles = h;
        r->cap_files = cap;
    }
    char *copy = strdup(path);
    if (!copy) return -1;
    r->files[r->n_files] = copy;
    r->handles[r->n_files] = handle;
    r->n_files++;
    return 0;
}

int registry_load_file(registry *r, const char *path, char *err, size_t n)
{
    char real[4096];
    if (!realpath(path, real)) {
        snprintf(err, n, "%s: cannot open plugin: %s", path, strerror(errno));
        return XP_EPLUGIN;
    }
    for (size_t i = 0; i < r->n_files; i++)
        if (strcmp(r->files[i], real) == 0) return XP_OK;   /* same file reached twice */

    dlerror();
    void *h = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(err, n, "%s: dlopen failed: %s (check its dependencies with `ldd %s`)", real,
                 e ? e : "unknown error", real);
        return XP_EPLUGIN;
    }
    dlerror();
    void *sym = dlsym(h, XP_PLUGIN_ENTRY_SYMBOL);
    const char *e = dlerror();
    if (!sym || e) {
        snprintf(err, n, "%s: not an xp plugin: no exported symbol '%s'%s%s (write it with XP_PLUGINS(...) from <xp/plugin.h>)",
                 real, XP_PLUGIN_ENTRY_SYMBOL, e ? ": " : "", e ? e : "");
        dlclose(h);
        return XP_EPLUGIN;
    }
    xp_plugin_entry_fn entry_fn;
    memcpy(&entry_fn, &sym, sizeof entry_fn);   /* object→function pointer, without the ISO C warning */
    const xp_plugin_list *list = entry_fn();
    int rc = XP_OK;
    if (!list) {
        snprintf(err, n, "%s: %s() returned NULL", real, XP_PLUGIN_ENTRY_SYMBOL);
        rc = XP_EPLUGIN;
    } else if (list->abi_version != XP_ABI_VERSION) {
        snprintf(err, n, "%s: built for plugin ABI version %u, this runner speaks version %u; rebuild it against this runner's include/xp headers",
                 real, list->abi_version, XP_ABI_VERSION);
        rc = XP_EPLUGIN;
    } else if (list->struct_size < sizeof(xp_plugin_list) || (list->count && !list->plugins)) {
        snprintf(err, n, "%s: malformed plugin list", real);
        rc = XP_EPLUGIN;
    }
    for (size_t i = 0; rc == XP_OK && i < list->count; i++) {
        const xp_plugin *p = list->plugins[i];
        rc = check_plugin(p, real, i, err, n);
        if (rc) break;
        const xp_plugin *dup = registry_find(r, p->kind, p->name);
        if (!dup)   /* also reject duplicates within this file */
            for (size_t k = 0; k < i; k++)
                if (list->plugins[k]->kind == p->kind && strcmp(list->plugins[k]->name, p->name) == 0)
                    dup = list->plugins[k];
        if (dup) {
            const char *other = registry_file_of(r, dup);
            snprintf(err, n, "%s: %s plugin '%s' is already provided by %s; remove one of the two files",
                     real, xp_kind_name(p->kind), p->name, other ? other : real);
            rc = XP_EPLUGIN;
        }
    }
    if (rc) { dlclose(h); return rc; }
    if (add_file(r, real, h)) { dlclose(h); snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    size_t file = r->n_files - 1;
    for (size_t i = 0; i < list->count; i++) {
        if (r->n == r->cap) {
            size_t cap = r->cap ? 2 * r->cap : 32;
            entry *e2 = realloc(r->entries, cap * sizeof *e2);
            if (!e2) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
            r->entries = e2;
            r->cap = cap;
        }
        r->entries[r->n++] = (entry){ list->plugins[i], file };
    }
    return XP_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with_so(const char *name)
{
    size_t l = strlen(name);
    return l > 3 && strcmp(name + l - 3, ".so") == 0;
}

/* Keeps a file that failed to load, for `runner plugins` and for the message of a config
 * that asks for a plugin it would have provided. */
static int note_broken(registry *r, const char *path, const char *reason)
{
    broken *b = realloc(r->broken, (r->n_broken + 1) * sizeof *b);
    if (!b) return -1;
    r->broken = b;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 3 && !strcmp(base + len - 3, ".so")) len -= 3;
    broken *e = &r->broken[r->n_broken];
    e->path = strdup(path);
    e->stem = strndup(base, len);
    e->reason = strdup(reason);
    if (!e->path || !e->stem || !e->reason) { free(e->path); free(e->stem); free(e->reason); return -1; }
    r->n_broken++;
    return 0;
}

int registry_scan(registry *r, const char *dir, char *err, size_t n)
{
    DIR *d = opendir(dir);
    if (!d) return XP_OK;          /* an absent search directory is simply empty */
    char **names = NULL;
    size_t count = 0, cap = 0;
    int rc = XP_OK;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        if (count == cap) {
            cap = cap ? 2 * cap : 32;
            char **p = realloc(names, cap * sizeof *p);
            if (!p) { rc = XP_ENOMEM; break; }
            names = p;
        }
        size_t len = strlen(dir) + strlen(de->d_name) + 2;
        if (!(names[count] = malloc(len))) { rc = XP_ENOMEM; break; }
        snprintf(names[count++], len, "%s/%s", dir, de->d_name);
    }
    closedir(d);
    if (rc == XP_ENOMEM) snprintf(err, n, "out of memory scanning %s", dir);
    /* Sorted, so load order (and thus which duplicate is reported) is reproducible. */
    if (names) qsort(names, count, sizeof *names, cmp_str);
    for (size_t i = 0; rc == XP_OK && i < count; i++) {
        struct stat st;
        if (stat(names[i], &st)) continue;
        if (S_ISDIR(st.st_mode)) rc = registry_scan(r, names[i], err, n);
        else if (S_ISREG(st.st_mode) && ends_with_so(names[i])) {
            rc = registry_load_file(r, names[i], err, n);
            /* A file that cannot load (e.g. libtorch absent on this machine) leaves only its
             * own plugins out; a duplicate name stays an error, since which of the two a
             * config would get is then a guess. */
            if (rc == XP_EPLUGIN && !strstr(err, " is already provided by ")) {
                if (note_broken(r, names[i], err)) { snprintf(err, n, "out of memory"); rc = XP_ENOMEM; }
                else rc = XP_OK;
            }
        }
    }
    for (size_t i = 0; i < count; i++) free(names[i]);
    free(names);
    return rc;
}

const xp_plugin *registry_find(const registry *r, xp_kind kind, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->entries[i].plugin->kind == kind && strcmp(r->entries[i].plugin->name, name) == 0)
            return r->entries[i].plugin;
    return NULL;
}

size_t registry_count(const registry *r) { return r->n; }

const xp_plugin *registry_at(const registry *r, size_t i, const char **file)
{
    if (i >= r->n) return NULL;
    if (file) *file = r->files[r->entries[i].file];
    return r->entries[i].plugin;
}

const char *registry_file_of(const registry *r, const xp_plugin *p)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->entries[i].plugin == p) return r->files[r->entries[i].file];
    return NULL;
}

size_t registry_broken_count(const registry *r) { return r->n_broken; }

const char *registry_broken_at(const registry *r, size_t i, const char **reason)
{
    if (i >= r->n_broken) return NULL;
    if (reason) *reason = r->broken[i].reason;
    return r->broken[i].path;
}

const char *registry_why_missing(const registry *r, const char *name)
{
    for (size_t i = 0; name && i < r->n_broken; i++)
        if (!strcmp(r->broken[i].stem, name)) return r->broken[i].reason;
    return NULL;
}

int registry_not_found(const registry *r, xp_kind kind, const char *name, const char *where,
                       char *err, size_t n)
{
    const char *why = registry_why_missing(r, name);
    if (why)
        snprintf(err, n, "%s: the %s plugin '%s' is unavailable on this machine: %s", where,
                 xp_kind_name(kind), name, why);
    else
        snprintf(err, n, "%s: no %s plugin named '%s' (see `runner plugins`)", where,
                 xp_kind_name(kind), name ? name : "?");
    return XP_ECONFIG;
}
