/*
 * milter.h - what main.c and callbacks.c share
 *
 * The daemon holds exactly one piece of mutable global state: the current
 * configuration snapshot (lib/snapshot.h), swapped on SIGUSR1.
 */
#ifndef MP_MILTER_H
#define MP_MILTER_H

#include <libmilter/mfapi.h>

#include "snapshot.h"

extern struct mp_current mp_current_conf;

/* The filter description registered with libmilter (callbacks.c). */
extern struct smfiDesc mp_filter;

#endif
