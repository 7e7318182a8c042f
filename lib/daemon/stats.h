/*
 * NAME
 *	stats - counters per outcome since the milter started
 * DESCRIPTION
 *	The milter counts every message by flow and by outcome (outcome.h:
 *	one counter per outcome, named as the outcome, in its order). Once a
 *	second it writes them to StatsFile, replaced atomically, as "name
 *	value" lines: messages, flow:intake, flow:outbound, flow:other,
 *	flow:bounce, flow:reply, one line per outcome, and "other" (kept for readers of the file; every
 *	outcome has its own counter, so it stays 0); `meldpunt-milter -s`
 *	reads that file, so it needs no connection to the running daemon.
 * THREADS
 *	mp_stats_count() uses atomic adds: call it from any thread.
 */
#ifndef MP_STATS_H
#define MP_STATS_H

#include <stdio.h>
#include <time.h>

#include "error.h"
#include "flow.h"
#include "outcome.h"

/* messages, five flows, the outcomes, "other" */
#define MP_STATS_MAX 48

struct mp_stats {
	time_t started;
	unsigned long long n[MP_STATS_MAX];
	unsigned long long written;	/* sum of n[] when last written */
};

void mp_stats_init(struct mp_stats *st);
/* Count one message of `flow` that ended in `outcome`. */
void mp_stats_count(struct mp_stats *st, enum mp_flow flow,
    enum mp_outcome outcome);
/* Write the file when something changed since the last write. */
int mp_stats_write(struct mp_stats *st, const char *path, unsigned generation,
    struct mp_error *err);
/* Print a stats file for a person. */
int mp_stats_print(const char *path, FILE *out, struct mp_error *err);

#endif
