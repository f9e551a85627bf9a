/* xp/xp.h — the one header a plugin includes.
 *
 *     #include <xp/xp.h>
 *
 * error.h (codes), frame.h (the table), host.h (runner services), plugin.h (descriptor
 * and per-kind ops). ABI promise: within one XP_ABI_VERSION, structs only grow at the end
 * and existing fields keep their meaning; a plugin built against an older minor header keeps
 * loading.
 */
#ifndef XP_XP_H
#define XP_XP_H
#include "error.h"
#include "frame.h"
#include "host.h"
#include "plugin.h"
#endif
