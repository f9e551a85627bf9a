/* core/inputs.h — the files plugins read beside the data file (the images under
 * data.images): kept with a run, given back to `runner predict` (the host's input_dir and
 * input_used, xp/host.h).
 *
 * A run fits its image encoders on the images in a folder; predict fits them again on the
 * run's own rows. Without a copy, predict would read whatever the folder holds by then (an
 * image replaced after training changes the fitted PCA, so every prediction), and exit 0.
 *
 * During a run (inputs_recorder): every file a plugin says it used is copied once into
 * copy_dir as <sha256><ext> (content-addressed: runs on the same bytes share the copy) and
 * listed, under the folder as configured and its name there, in the run's manifest
 * (inputs_save: a TSV file the run records as artifact input_files).
 *
 *     kind    folder                  name        bytes  sha256  copy
 *     folder  data/spacecraft_images
 *     file    data/spacecraft_images  bolt.jpg    5120   3fa4…   artifacts/exp.db/images/3fa4….jpg
 *
 * At predict (inputs_replay): each copy is checked against its sha256 and placed under its
 * name in a temporary folder per configured folder (removed by inputs_free). While the
 * run's own rows go through the pipeline (INPUTS_STORED) input_dir gives that folder; for
 * the rows to predict (INPUTS_NEW) the --images folder, or the configured one.
 * Thread-safe (folds are built in parallel, decoding runs on threads).
 */
#ifndef XP_CORE_INPUTS_H
#define XP_CORE_INPUTS_H

#include <stddef.h>

typedef struct inputs inputs;

enum { INPUTS_STORED = 0, INPUTS_NEW = 1 };

/* A run's recorder; copy_dir is created at the first copy (its parent must exist). */
int inputs_recorder(const char *copy_dir, inputs **out, char *err, size_t n);
/* Writes the manifest to `path`. files / bytes / copied / cpu (may be NULL): files listed,
 * their bytes, copies this run wrote (the others existed), and the CPU seconds the plugins'
 * threads spent hashing and copying. */
int inputs_save(inputs *in, const char *path, size_t *files, size_t *bytes, size_t *copied, double *cpu, char *err,
                size_t n);

/* Predict from a run's manifest (already checked against its recorded sha256). new_dir:
 * the folder of the rows to predict (NULL: the configured one). Every copy is checked here,
 * before any work: a missing or changed copy is refused naming it. */
int inputs_replay(const char *manifest, long long run_id, const char *new_dir, inputs **out, char *err, size_t n);
/* Predict from a run that kept no manifest (recorded before runs did): folders are read as
 * they are now, with one warning on stderr the first time a plugin asks. */
int inputs_legacy(long long run_id, const char *new_dir, inputs **out, char *err, size_t n);
void inputs_phase(inputs *in, int phase);   /* in may be NULL */
/* Folders a plugin asked for (0: the run read no such files; it keeps no manifest). */
size_t inputs_folders(inputs *in);

/* The host's input_dir and input_used (xp/host.h). */
int inputs_dir(inputs *in, const char *dir, const char **out, char *err, size_t n);
int inputs_used(inputs *in, const char *dir, const char *name, const void *data, size_t size, char *err, size_t n);

void inputs_free(inputs *in);

#endif
