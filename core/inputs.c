/* core/inputs.c — files plugins read beside the data file, kept with a run and given back to
 * `runner predict` (see inputs.h for the why and the manifest's format).
 *
 *     inputs *in;                                      // a run
 *     inputs_recorder("artifacts/exp.db/images", &in, err, sizeof err);
 *     env.inputs = in;                                 // plugins call input_dir / input_used
 *     ...
 *     inputs_save(in, "artifacts/exp.db/run_3/input_files.tsv", &files, &bytes, &secs, err, sizeof err);
 *
 *     inputs_replay(manifest, 3, NULL, &in, err, sizeof err);   // predict
 *     inputs_phase(in, INPUTS_STORED); ...fit on the run's rows...
 *     inputs_phase(in, INPUTS_NEW);    ...apply to the rows to predict...
 *     inputs_free(in);                                 // removes the temporary folders
 */
#include "inputs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"
#include "xp/error.h"

enum { M_RECORD, M_REPLAY, M_LEGACY };

typedef struct file_ent {
    char *dir, *name, *copy;     /* folder as configured, name in it, the stored copy */
    char sha[65];
    size_t bytes;
} file_ent;

typedef struct folder_ent {
    char *dir;                   /* as configured */
    char *view;                  /* predict: the temporary folder of its stored files */
} folder_ent;

struct inputs {
    pthread_mutex_t mu;
    int mode, phase, warned;
    long long run_id;
    char *copy_dir, *new_dir, *tmp_root;
    file_ent *f;
    size_t nf, capf;
    folder_ent *d;
    size_t nd, capd;
    size_t *slot, cap_slot;      /* (dir, name) -> index + 1 into f; 0 empty */
    double cpu;                  /* CPU seconds the plugins' threads spent in inputs_used */
    size_t copied;               /* copies written by this run (the others existed) */
};

/* The calling thread's CPU time: decoding threads call inputs_used side by side, so wall
 * time would count their waits, not the cost. */
static double thread_cpu_s(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)) return 0;
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t key_hash(const char *dir, const char *name)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = dir; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ 0xFFu) * 1099511628211ull;
    for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

static file_ent *find_file(const inputs *in, const char *dir, const char *name)
{
    if (!in->cap_slot) return NULL;
    size_t j = key_hash(dir, name) & (in->cap_slot - 1);
    for (; in->slot[j]; j = (j + 1) & (in->cap_slot - 1)) {
        file_ent *e = &in->f[in->slot[j] - 1];
        if (!strcmp(e->dir, dir) && !strcmp(e->name, name)) return e;
    }
    return NULL;
}

/* Appends a file entry (taking dir, name, copy) and indexes it. */
static int add_file(inputs *in, char *dir, char *name, char *copy, const char *sha, size_t bytes)
{
    if (in->nf == in->capf) {
        size_t c = in->capf ? in->capf * 2 : 256;
        file_ent *nf = realloc(in->f, c * sizeof *nf);
        if (!nf) return XP_ENOMEM;
        in->f = nf;
        in->capf = c;
    }
    if ((in->nf + 1) * 2 > in->cap_slot) {
        size_t c = in->cap_slot ? in->cap_slot * 2 : 512;
        size_t *t = calloc(c, sizeof *t);
        if (!t) return XP_ENOMEM;
        for (size_t i = 0; i < in->nf; i++) {
            size_t j = key_hash(in->f[i].dir, in->f[i].name) & (c - 1);
            while (t[j]) j = (j + 1) & (c - 1);
            t[j] = i + 1;
        }
        free(in->slot);
        in->slot = t;
        in->cap_slot = c;
    }
    file_ent *e = &in->f[in->nf++];
    e->dir = dir;
    e->name = name;
    e->copy = copy;
    snprintf(e->sha, sizeof e->sha, "%s", sha);
    e->bytes = bytes;
    size_t j = key_hash(dir, name) & (in->cap_slot - 1);
    while (in->slot[j]) j = (j + 1) & (in->cap_slot - 1);
    in->slot[j] = in->nf;
    return XP_OK;
}

static folder_ent *find_folder(const inputs *in, const char *dir)
{
    for (size_t i = 0; i < in->nd; i++)
        if (!strcmp(in->d[i].dir, dir)) return &in->d[i];
    return NULL;
}

static folder_ent *add_folder(inputs *in, const char *dir)
{
    folder_ent *d = find_folder(in, dir);
    if (d) return d;
    if (in->nd == in->capd) {
        size_t c = in->capd ? in->capd * 2 : 4;
        folder_ent *nd = realloc(in->d, c * sizeof *nd);
        if (!nd) return NULL;
        in->d = nd;
        in->capd = c;
    }
    d = &in->d[in->nd];
    memset(d, 0, sizeof *d);
    if (!(d->dir = strdup(dir))) return NULL;
    in->nd++;
    return d;
}

/* A manifest field must not hold a tab or a line break; a file name must be one name. */
static int field_ok(const char *s) { return !strpbrk(s, "\t\n\r"); }
static int name_ok(const char *s) { return *s && field_ok(s) && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, ".."); }

static inputs *new_inputs(int mode, long long run_id, const char *new_dir)
{
    inputs *in = calloc(1, sizeof *in);
    if (!in) return NULL;
    pthread_mutex_init(&in->mu, NULL);
    in->mode = mode;
    in->run_id = run_id;
    in->phase = INPUTS_STORED;
    if (new_dir && !(in->new_dir = strdup(new_dir))) {
        inputs_free(in);
        return NULL;
    }
    return in;
}

/* ------------------------------------------------------------------ a run */

int inputs_recorder(const char *copy_dir, inputs **out, char *err, size_t n)
{
    *out = NULL;
    if (!field_ok(copy_dir)) {
        snprintf(err, n, "%s: a folder name with a tab or a line break cannot be listed in a manifest", copy_dir);
        return XP_EINVAL;
    }
    inputs *in = new_inputs(M_RECORD, 0, NULL);
    if (!in || !(in->copy_dir = strdup(copy_dir))) {
        inputs_free(in);
        snprintf(err, n, "out of memory");
        return XP_ENOMEM;
    }
    *out = in;
    return XP_OK;
}

/* True when `path` already holds exactly data[size] (a copy an earlier run made). */
static int same_bytes(const char *path, const void *data, size_t size)
{
    struct stat st;
    if (stat(path, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != (uint64_t)size) return 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    unsigned char buf[65536];
    const unsigned char *p = data;
    size_t off = 0, got;
    int same = 1;
    while (same && (got = fread(buf, 1, sizeof buf, fp)) > 0) {
        if (off + got > size || memcmp(buf, p + off, got)) same = 0;
        off += got;
    }
    if (ferror(fp) || off != size) same = 0;
    fclose(fp);
    return same;
}

/* Writes data to a temporary file in the copy folder and renames it over `path`: a copy is
 * always whole, and a damaged one left by someone else is replaced. */
static int write_copy(const inputs *in, const char *path, const void *data, size_t size, char *err, size_t n)
{
    static _Atomic unsigned seq;
    /* Made on the first copy, so a run without images leaves no empty folder behind. */
    if (mkdir(in->copy_dir, 0777) && errno != EEXIST) {
        snprintf(err, n, "%s: cannot create: %s", in->copy_dir, strerror(errno));
        return XP_EIO;
    }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s/.partial.%ld.%u", in->copy_dir, (long)getpid(), seq++);
    FILE *fp = fopen(tmp, "wb");
    if (!fp) { snprintf(err, n, "%s: cannot write: %s", tmp, strerror(errno)); return XP_EIO; }
    int werr = fwrite(data, 1, size, fp) != size ? (errno ? errno : EIO) : 0;
    if (fclose(fp) && !werr) werr = errno ? errno : EIO;
    if (!werr && rename(tmp, path)) werr = errno ? errno : EIO;
    if (werr) {
        unlink(tmp);
        snprintf(err, n, "%s: cannot write: %s", path, strerror(werr));
        return XP_EIO;
    }
    return XP_OK;
}

/* The bytes are hashed and the copy written outside the lock (decoding threads call this side
 * by side); the entry is claimed under it first, so a name is copied once per run. Two names
 * with the same bytes may write the same copy at once: each writes a file of its own and
 * renames it, so the copy is whole either way. */
static int record_used(inputs *in, const char *dir, const char *name, const void *data, size_t size, char *err,
                       size_t n)
{
    if (!field_ok(dir) || !name_ok(name)) {
        snprintf(err, n, "%s/%s: a folder or file name with a tab or a line break cannot be kept for predict; "
                 "rename it", dir, name);
        return XP_EINVAL;
    }
    char sha[65];
    sha256_hex(data, size, sha);
    pthread_mutex_lock(&in->mu);
    int rc = XP_OK;
    file_ent *e = find_file(in, dir, name);
    if (e) {
        if (strcmp(e->sha, sha)) {
            snprintf(err, n, "%s/%s changed while the run was reading it (sha256 %s when first read, %s now): run "
                     "again once the folder is final", dir, name, e->sha, sha);
            rc = XP_EIO;
        }
        pthread_mutex_unlock(&in->mu);
        return rc;
    }
    /* The copy keeps the file's extension (a decoder may look at it), never a path. */
    const char *dot = strrchr(name, '.');
    char ext[18] = "";
    int plain = dot && dot != name && dot[1] && strlen(dot) < sizeof ext;
    for (const char *p = dot ? dot + 1 : ""; plain && *p; p++) plain = isalnum((unsigned char)*p);
    if (plain) snprintf(ext, sizeof ext, "%s", dot);
    size_t cn = strlen(in->copy_dir) + 64 + sizeof ext + 2;
    char *copy = malloc(cn), *d = strdup(dir), *nm = strdup(name), path[4200] = "";
    if (!copy || !d || !nm || !add_folder(in, dir)) {
        rc = XP_ENOMEM;
    } else {
        snprintf(copy, cn, "%s/%s%s", in->copy_dir, sha, ext);
        snprintf(path, sizeof path, "%s", copy);
        if (!(rc = add_file(in, d, nm, copy, sha, size))) d = nm = copy = NULL;
    }
    pthread_mutex_unlock(&in->mu);
    free(copy);
    free(d);
    free(nm);
    if (rc) {
        snprintf(err, n, "out of memory");
        return rc;
    }
    if (same_bytes(path, data, size)) return XP_OK;   /* an earlier run's copy */
    if ((rc = write_copy(in, path, data, size, err, n))) return rc;
    pthread_mutex_lock(&in->mu);
    in->copied++;
    pthread_mutex_unlock(&in->mu);
    return XP_OK;
}

static int cmp_file(const void *a, const void *b)
{
    const file_ent *x = a, *y = b;
    int c = strcmp(x->dir, y->dir);
    return c ? c : strcmp(x->name, y->name);
}

static int cmp_folder(const void *a, const void *b)
{
    return strcmp(((const folder_ent *)a)->dir, ((const folder_ent *)b)->dir);
}

int inputs_save(inputs *in, const char *path, size_t *files, size_t *bytes, size_t *copied, double *cpu, char *err,
                size_t n)
{
    pthread_mutex_lock(&in->mu);
    /* Sorted, so two runs that read the same files write the same manifest. Sorting moves
     * the entries: the index is rebuilt (nothing is looked up after saving, but keep it true). */
    if (in->nf) qsort(in->f, in->nf, sizeof *in->f, cmp_file);
    if (in->nd) qsort(in->d, in->nd, sizeof *in->d, cmp_folder);
    if (in->cap_slot) {
        memset(in->slot, 0, in->cap_slot * sizeof *in->slot);
        for (size_t i = 0; i < in->nf; i++) {
            size_t j = key_hash(in->f[i].dir, in->f[i].name) & (in->cap_slot - 1);
            while (in->slot[j]) j = (j + 1) & (in->cap_slot - 1);
            in->slot[j] = i + 1;
        }
    }
    size_t total = 0;
    int rc = XP_OK;
    FILE *fp = fopen(path, "w");
    if (!fp) {
        snprintf(err, n, "%s: cannot write: %s", path, strerror(errno));
        rc = XP_EIO;
    } else {
        fprintf(fp, "kind\tfolder\tname\tbytes\tsha256\tcopy\n");
        for (size_t i = 0; i < in->nd; i++) fprintf(fp, "folder\t%s\n", in->d[i].dir);
        for (size_t i = 0; i < in->nf; i++) {
            const file_ent *e = &in->f[i];
            fprintf(fp, "file\t%s\t%s\t%zu\t%s\t%s\n", e->dir, e->name, e->bytes, e->sha, e->copy);
            total += e->bytes;
        }
        int werr = ferror(fp) ? (errno ? errno : EIO) : 0;
        if (fclose(fp) && !werr) werr = errno ? errno : EIO;
        if (werr) {
            snprintf(err, n, "%s: cannot write: %s", path, strerror(werr));
            rc = XP_EIO;
        }
    }
    if (files) *files = in->nf;
    if (bytes) *bytes = total;
    if (copied) *copied = in->copied;
    if (cpu) *cpu = in->cpu;
    pthread_mutex_unlock(&in->mu);
    return rc;
}

/* ------------------------------------------------------------------ predict */

int inputs_legacy(long long run_id, const char *new_dir, inputs **out, char *err, size_t n)
{
    if (!(*out = new_inputs(M_LEGACY, run_id, new_dir))) {
        snprintf(err, n, "out of memory");
        return XP_ENOMEM;
    }
    return XP_OK;
}

/* Copies the stored file e->copy to view/e->name, hashing it on the way: what lands in the
 * view is exactly what was checked. */
static int place(const inputs *in, const file_ent *e, const char *view, char *err, size_t n)
{
    char dst[4200];
    snprintf(dst, sizeof dst, "%s/%s", view, e->name);
    FILE *src = fopen(e->copy, "rb");
    if (!src) {
        snprintf(err, n, "run %lld's stored image %s (%s in %s when the run read it) is missing: %s; predict fits "
                 "the transforms on the images the run read and cannot do without it (restore the store's "
                 "artifacts folder from a backup, or rerun the config)", in->run_id, e->copy, e->name, e->dir,
                 strerror(errno));
        return XP_EIO;
    }
    FILE *out = fopen(dst, "wb");
    if (!out) {
        int er = errno;
        fclose(src);
        snprintf(err, n, "%s: cannot write: %s", dst, strerror(er));
        return XP_EIO;
    }
    sha256_ctx c;
    unsigned char buf[65536], d[32];
    size_t got, total = 0;
    int werr = 0;
    sha256_init(&c);
    while ((got = fread(buf, 1, sizeof buf, src)) > 0) {
        sha256_update(&c, buf, got);
        total += got;
        if (fwrite(buf, 1, got, out) != got) { werr = errno ? errno : EIO; break; }
    }
    int rerr = ferror(src) ? (errno ? errno : EIO) : 0;
    fclose(src);
    if (fclose(out) && !werr) werr = errno ? errno : EIO;
    if (rerr || werr) {
        snprintf(err, n, "%s: %s: %s", rerr ? e->copy : dst, rerr ? "cannot read" : "cannot write",
                 strerror(rerr ? rerr : werr));
        return XP_EIO;
    }
    sha256_final(&c, d);
    char have[65];
    for (int i = 0; i < 32; i++) snprintf(have + 2 * i, 3, "%02x", d[i]);
    if (strcmp(have, e->sha)) {
        snprintf(err, n, "run %lld's stored image %s (%s in %s when the run read it) is not the file the run read: "
                 "sha256 %s in its input_files manifest, %s on disk (%zu bytes, %zu recorded); refusing to predict",
                 in->run_id, e->copy, e->name, e->dir, e->sha, have, total, e->bytes);
        return XP_EFORMAT;
    }
    return XP_OK;
}

/* Splits line (modified) at tabs into at most max fields; returns how many. */
static size_t split_tabs(char *line, char **f, size_t max)
{
    size_t k = 0;
    line[strcspn(line, "\r\n")] = 0;
    f[k++] = line;
    for (char *p = line; *p && k < max; p++)
        if (*p == '\t') { *p = 0; f[k++] = p + 1; }
    return k;
}

int inputs_replay(const char *manifest, long long run_id, const char *new_dir, inputs **out, char *err, size_t n)
{
    *out = NULL;
    inputs *in = new_inputs(M_REPLAY, run_id, new_dir);
    if (!in) { snprintf(err, n, "out of memory"); return XP_ENOMEM; }
    int rc = XP_OK;
    FILE *fp = fopen(manifest, "r");
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    if (!fp) {
        snprintf(err, n, "%s: cannot read: %s", manifest, strerror(errno));
        inputs_free(in);
        return XP_EIO;
    }
    const char *tmpdir = getenv("TMPDIR");
    char root[4096];
    snprintf(root, sizeof root, "%s/xp-predict-images-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(root) || !(in->tmp_root = strdup(root))) {
        snprintf(err, n, "%s: cannot create a temporary folder for the run's images: %s", root, strerror(errno));
        rc = XP_EIO;
    }
    while (!rc && getline(&line, &cap, fp) > 0) {
        lineno++;
        char *f[7];
        size_t k = split_tabs(line, f, 7);
        if (lineno == 1) {
            if (k != 6 || strcmp(f[0], "kind") || strcmp(f[5], "copy")) {
                snprintf(err, n, "%s:1: expected the header kind, folder, name, bytes, sha256, copy (tab-separated)",
                         manifest);
                rc = XP_EFORMAT;
            }
            continue;
        }
        if (k == 2 && !strcmp(f[0], "folder") && *f[1]) {
            folder_ent *d = add_folder(in, f[1]);
            char view[4200];
            snprintf(view, sizeof view, "%s/%zu", in->tmp_root, in->nd);
            if (!d || (!d->view && !(d->view = strdup(view)))) {
                snprintf(err, n, "out of memory");
                rc = XP_ENOMEM;
            } else if (mkdir(d->view, 0700) && errno != EEXIST) {
                snprintf(err, n, "%s: cannot create: %s", d->view, strerror(errno));
                rc = XP_EIO;
            }
            continue;
        }
        char *end = NULL;
        unsigned long long bytes = k == 6 ? strtoull(f[3], &end, 10) : 0;
        folder_ent *d = k == 6 ? find_folder(in, f[1]) : NULL;
        if (k != 6 || strcmp(f[0], "file") || !d || !name_ok(f[2]) || !end || *end || strlen(f[4]) != 64 ||
            !*f[5] || find_file(in, f[1], f[2])) {
            snprintf(err, n, "%s:%ld: expected a 'file' line of a folder listed above (folder, a file name, bytes, "
                     "sha256, copy), each file once", manifest, lineno);
            rc = XP_EFORMAT;
            break;
        }
        char *dd = strdup(f[1]), *nm = strdup(f[2]), *cp = strdup(f[5]);
        if (!dd || !nm || !cp || add_file(in, dd, nm, cp, f[4], (size_t)bytes)) {
            free(dd);
            free(nm);
            free(cp);
            snprintf(err, n, "out of memory");
            rc = XP_ENOMEM;
            break;
        }
        rc = place(in, &in->f[in->nf - 1], d->view, err, n);
    }
    if (!rc && ferror(fp)) {
        snprintf(err, n, "%s: cannot read: %s", manifest, strerror(errno));
        rc = XP_EIO;
    }
    if (!rc && lineno == 0) {
        snprintf(err, n, "%s: empty (expected the header kind, folder, name, bytes, sha256, copy)", manifest);
        rc = XP_EFORMAT;
    }
    free(line);
    fclose(fp);
    if (rc) {
        inputs_free(in);
        return rc;
    }
    *out = in;
    return XP_OK;
}

size_t inputs_folders(inputs *in)
{
    pthread_mutex_lock(&in->mu);
    size_t n = in->nd;
    pthread_mutex_unlock(&in->mu);
    return n;
}

void inputs_phase(inputs *in, int phase)
{
    if (!in) return;
    pthread_mutex_lock(&in->mu);
    in->phase = phase;
    pthread_mutex_unlock(&in->mu);
}

/* ------------------------------------------------------------------ the host's calls */

int inputs_dir(inputs *in, const char *dir, const char **out, char *err, size_t n)
{
    *out = dir;
    int rc = XP_OK;
    pthread_mutex_lock(&in->mu);
    if (in->mode == M_RECORD) {
        /* A folder the run listed is in the manifest even when no file of it was used: at
         * predict its rows must find no image either, not today's. */
        if (!field_ok(dir)) {
            snprintf(err, n, "images folder '%s': a name with a tab or a line break cannot be kept for predict", dir);
            rc = XP_EINVAL;
        } else if (!add_folder(in, dir)) {
            snprintf(err, n, "out of memory");
            rc = XP_ENOMEM;
        }
    } else if (in->phase == INPUTS_NEW) {
        if (in->new_dir) *out = in->new_dir;
    } else if (in->mode == M_LEGACY) {
        if (!in->warned)
            fprintf(stderr, "runner predict: warning: run %lld kept no copy of the files its plugins read from %s "
                    "(recorded before runs did): the transforms are fitted on that folder as it is now, which "
                    "cannot be checked against what the run saw (rerun the config to get a run that keeps them)\n",
                    in->run_id, dir);
        in->warned = 1;
    } else {
        const folder_ent *d = find_folder(in, dir);
        if (d) *out = d->view;
        else {
            snprintf(err, n, "run %lld read no file from the folder %s (its input_files manifest lists %zu other "
                     "folder%s): predict cannot know what the run saw there", in->run_id, dir, in->nd,
                     in->nd == 1 ? "" : "s");
            rc = XP_ENOTFOUND;
        }
    }
    pthread_mutex_unlock(&in->mu);
    return rc;
}

int inputs_used(inputs *in, const char *dir, const char *name, const void *data, size_t size, char *err, size_t n)
{
    if (in->mode != M_RECORD) return XP_OK;
    double t0 = thread_cpu_s();
    int rc = record_used(in, dir, name, data, size, err, n);
    double dt = thread_cpu_s() - t0;
    pthread_mutex_lock(&in->mu);
    in->cpu += dt;
    pthread_mutex_unlock(&in->mu);
    return rc;
}

/* Removes the temporary folders of a replay: root/<k>/<files>, root/<k>, root. */
static void remove_views(const char *root)
{
    DIR *r = opendir(root);
    if (!r) return;
    struct dirent *de;
    char sub[4200], file[8400];
    while ((de = readdir(r))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        snprintf(sub, sizeof sub, "%s/%s", root, de->d_name);
        DIR *s = opendir(sub);
        if (s) {
            struct dirent *fe;
            while ((fe = readdir(s)))
                if (strcmp(fe->d_name, ".") && strcmp(fe->d_name, "..")) {
                    snprintf(file, sizeof file, "%s/%s", sub, fe->d_name);
                    unlink(file);
                }
            closedir(s);
            rmdir(sub);
        } else unlink(sub);
    }
    closedir(r);
    rmdir(root);
}

void inputs_free(inputs *in)
{
    if (!in) return;
    if (in->tmp_root) remove_views(in->tmp_root);
    for (size_t i = 0; i < in->nf; i++) {
        free(in->f[i].dir);
        free(in->f[i].name);
        free(in->f[i].copy);
    }
    for (size_t i = 0; i < in->nd; i++) {
        free(in->d[i].dir);
        free(in->d[i].view);
    }
    free(in->f);
    free(in->d);
    free(in->slot);
    free(in->copy_dir);
    free(in->new_dir);
    free(in->tmp_root);
    pthread_mutex_destroy(&in->mu);
    free(in);
}
