/* core/heartbeat.h — a thread that keeps the running trial's heartbeat fresh in the store, so
 * workers on other hosts can tell a live trial from a dead worker's (Optuna's heartbeat).
 *
 *     heartbeat *hb;
 *     if (heartbeat_start(st, 30.0, &hb)) ...       // nothing is sent until a trial is set
 *     heartbeat_trial(hb, trial_id);                 // after the claim (which sent the first)
 *     ... evaluate ...
 *     heartbeat_trial(hb, -1);                       // finished
 *     heartbeat_stop(hb);
 *
 * Every function accepts hb == NULL (heartbeats off) and then does nothing.
 */
#ifndef XP_CORE_HEARTBEAT_H
#define XP_CORE_HEARTBEAT_H

#include <stdint.h>

#include "store.h"

typedef struct heartbeat heartbeat;

/* XP_OK or a negative XP_E* (the thread could not start). */
int heartbeat_start(store *st, double interval_s, heartbeat **out);
void heartbeat_trial(heartbeat *hb, int64_t trial_id);    /* -1: no trial running */
void heartbeat_stop(heartbeat *hb);                      /* joins the thread, frees hb */

#endif
