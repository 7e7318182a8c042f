/*
 * NAME
 *	snapshot - the immutable, reference-counted runtime configuration
 * DESCRIPTION
 *	A snapshot bundles everything a message is handled with: the parsed
 *	meldpunt.conf, the signing keys (parsed here, never per message), the
 *	IdentityMap and TrustedHosts, the routing database handle and the
 *	templates. It is built whole by mp_snapshot_load() and never changed
 *	afterwards.
 *
 *	struct mp_current is the one mutable holder: the daemon installs a
 *	new snapshot on reload (SIGUSR1); each connection acquires the
 *	snapshot current when it starts and releases it when it ends, so a
 *	connection keeps the configuration it began with. A snapshot is freed
 *	when the last connection holding it releases it.
 *
 *	A failed load returns NULL and leaves the current snapshot in place:
 *	a bad reload keeps the old configuration. Templates with an error,
 *	a signing key that is not safe or does not parse, an IdentityMap or
 *	TrustedHosts with an error all fail the load.
 * OWNERSHIP
 *	mp_snapshot_acquire() returns a reference the caller must give back
 *	with mp_snapshot_release(&snap).
 */
#ifndef MP_SNAPSHOT_H
#define MP_SNAPSHOT_H

#include <pthread.h>
#include <time.h>

#include "conf.h"
#include "error.h"

struct mp_signer;
struct mp_identity_map;
struct mp_netlist;
struct mp_routedb;
struct mp_template_set;
struct mp_statedb;
struct mp_spf;
struct mp_verifier;
struct mp_dnszone;

struct mp_snapshot {
	unsigned refs;		/* protected by the holder's lock */
	unsigned generation;	/* 1 for the first load, +1 per reload */
	time_t loaded;
	struct mp_conf *conf;
	struct mp_signer *signer;	/* NULL: no SigningDomain */
	struct mp_identity_map *idmap;	/* NULL: no IdentityMap */
	const struct mp_netlist *trusted; /* the conf's; NULL: no TrustedHosts */
	/* intake */
	struct mp_routedb *routedb;	/* NULL: no RoutingDB, or not readable */
	char routedb_why[MP_ERROR_MAX];	/* why routedb is NULL when RoutingDB is set */
	struct mp_template_set *templates;	/* NULL: intake not configured */
	struct mp_statedb *statedb;	/* shared with the snapshot before */
	struct mp_spf *spf;
	struct mp_verifier *verifier;	/* DKIM of reports */
	struct mp_dnszone *zone;	/* DNSZoneFile (tests only), or NULL */
};

struct mp_current {
	pthread_mutex_t lock;
	struct mp_snapshot *snap;
	unsigned generation;
	unsigned held;		/* references given out by acquire, not yet released */
};

/*
 * Build a snapshot from the configuration file. `prev` (the running
 * snapshot, or NULL) lends its state DB handle when StateDB is unchanged.
 * A missing or unreadable RoutingDB does not fail the load: intake mail is
 * then tempfailed with routedb_why in the log until the file is there.
 */
struct mp_snapshot *mp_snapshot_load(const char *conf_path,
    const struct mp_snapshot *prev, struct mp_error *err);

/* 1 when the routing DB should be reopened: replaced, or there now. */
int mp_snapshot_routedb_stale(const struct mp_snapshot *snap);

void mp_current_init(struct mp_current *cur);
/* Install `snap` (taking over the caller's reference); the old one is released. */
void mp_current_install(struct mp_current *cur, struct mp_snapshot *snap);
struct mp_snapshot *mp_current_acquire(struct mp_current *cur);
void mp_current_release(struct mp_current *cur, struct mp_snapshot **snapp);
/* Drop the holder's own reference (at exit). */
void mp_current_clear(struct mp_current *cur);
/* How many references acquire gave out that are not released yet: the
 * connections still running (at exit, before freeing what they use). */
unsigned mp_current_held(struct mp_current *cur);

#endif
