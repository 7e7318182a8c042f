/*
 * NAME
 *	statedb - the one state DB handle of the process, shared by snapshots
 * DESCRIPTION
 *	GDBM allows one writer per file, so the dedup/flood-control state
 *	(seen.h) cannot be reopened by every configuration snapshot: a new
 *	snapshot for the same StateDB path takes a reference to the handle of
 *	the one before. The file is opened lazily, on the first message that
 *	needs it, and again after a failure (at most once per
 *	MP_STATEDB_RETRY seconds), so a state directory that was missing or
 *	full at start recovers without a restart. Until then every use answers
 *	MP_ERETRY and the message is tempfailed, never notified twice or lost.
 * THREADS
 *	mp_statedb_get() serialises the open; the seen handle serialises its
 *	own updates. References are atomic.
 * OWNERSHIP
 *	mp_statedb_new() returns one reference; mp_statedb_ref() adds one;
 *	mp_statedb_unref(&p) drops one and closes the file with the last.
 */
#ifndef MP_STATEDB_H
#define MP_STATEDB_H

#include "error.h"

#define MP_STATEDB_RETRY 5

struct mp_statedb;
struct mp_seen;

struct mp_statedb *mp_statedb_new(const char *path, struct mp_error *err);
struct mp_statedb *mp_statedb_ref(struct mp_statedb *sdb);
void mp_statedb_unref(struct mp_statedb **sdbp);
const char *mp_statedb_path(const struct mp_statedb *sdb);
/* The open handle, or NULL with err (MP_ERETRY) saying why. */
struct mp_seen *mp_statedb_get(struct mp_statedb *sdb, struct mp_error *err);

#endif
