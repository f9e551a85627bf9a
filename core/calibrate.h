/* core/calibrate.h — validation.calibrate: affine (see calibrate.c): the final prediction
 * stretched by a scale and an offset fitted on the best configuration's out-of-fold
 * predictions, so a model's pull towards the mean is undone.
 *
 *     calibrate_read(x, root, err, n);                 // validation.calibrate -> x->calibrate
 *     calibrate_final(x, pred, n_test, dir, err, n);   // fit, record, apply to the test part
 *     calibrate_load(path, &c, err, n);                // runner predict: the run's calibration.csv
 *     calibrate_apply(&c, pred, n);
 */
#ifndef XP_CALIBRATE_H
#define XP_CALIBRATE_H

#include <stddef.h>

#include "experiment.h"

/* experiment.calibrate: validation.calibrate none | affine | auto (the line only where its
 * cross-fitted CV is better). */
enum { XP_CALIBRATE_NONE = 0, XP_CALIBRATE_AFFINE = 1, XP_CALIBRATE_AUTO = 2 };

typedef struct calibration {
    double scale, offset;        /* prediction = offset + scale * p, in the final space: */
    int logspace;                /* log1p (validation.final_space: log) or raw */
} calibration;

/* Least squares b ~ offset + scale * z over the rows with use[i] (NULL: all) where z and b
 * are finite. A constant z keeps scale 1 and moves the offset only; no row: 1 and 0. */
void affine_fit(const double *z, const double *b, const unsigned char *use, size_t n, double *scale, double *offset);

int calibrate_read(experiment *x, const xp_cfg *root, char *err, size_t n);
/* Before the search: a log1p-space calibration needs a target >= 0 on the dev rows. */
int calibrate_check(const experiment *x, char *err, size_t n);
/* With x->calibrate: fits on x->oof_best (dev rows), scores the calibration cross-fitted on
 * the folds, records it (record `calibration`, artifact calibration.csv when artifact_dir)
 * and applies it to pred (n_pred test predictions, original space) in place; with auto only
 * when the cross-fitted CV is better (else recorded with "applied": false, no artifact). */
int calibrate_final(experiment *x, double *pred, size_t n_pred, const char *artifact_dir, char *err, size_t n);
int calibrate_load(const char *path, calibration *c, char *err, size_t n);
void calibrate_apply(const calibration *c, double *pred, size_t n);

#endif
