/*
 * milter.h - what main.c and callbacks.c share
 *
 * The daemon holds exactly one piece of mutable global state: the current
 * configuration snapshot (lib/daemon/snapshot.h), swapped on SIGUSR1.
 */
#ifndef MP_MILTER_H
#define MP_MILTER_H

#include <libmilter/mfapi.h>

#include "plan.h"

#include "snapshot.h"
#include "stats.h"

extern struct mp_current mp_current_conf;
/* Counters per outcome since start (atomic), written to StatsFile. */
extern struct mp_stats mp_stats_all;

/* How a message ended, for the log line and the counters (outcome.h). */
enum mp_outcome mp_outcome_final(const struct mp_plan *plan, sfsistat rc);

/* The filter description registered with libmilter (callbacks.c). */
extern struct smfiDesc mp_filter;

#endif
