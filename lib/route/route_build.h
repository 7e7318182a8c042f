/*
 * NAME
 *	route_build - compile routing sources into a routing database
 * DESCRIPTION
 *	A compiler (struct mp_routec) collects objects from meldpunt's own
 *	source format (meldpunt-routes(5)), RIPE RPSL dumps and security.txt
 *	files, then mp_routec_write() resolves every reference, works out the
 *	decision chain of each network, AS number and domain once (see
 *	route.h for the order), and writes a new GDBM file in the layout of
 *	route_fmt.h: written beside the target, fsync'ed, renamed into place,
 *	directory fsync'ed. Readers never see a half-built file.
 *
 *	Nested prefixes become disjoint intervals by one sweep over the
 *	prefixes sorted by address; each interval points to a route
 *	template shared by all intervals with the same chain.
 *
 *	A bad object is skipped: warn() is called with "FILE:LINE: what is
 *	wrong" and the object counted in skipped (RPSL, security.txt) or
 *	errors (own sources: the caller should refuse to install a database
 *	built from an own source with errors, so a typo never drops an
 *	organisation silently). References to objects that are not there (an
 *	abuse-c without its role) are resolved at write time and counted in
 *	unresolved.
 * OWNERSHIP
 *	mp_routec_new() returns a compiler owned by the caller, released by
 *	mp_routec_free(&c). The add functions copy what they keep; the texts
 *	may be freed after each call.
 * LIMITS
 *	MP_ROUTEC_CONTACTS contacts per organisation or intermediary,
 *	MP_ROUTEC_DOMAINS domains per organisation, per-object limits of
 *	route_rpsl.h, MP_SECTXT_MAX bytes per security.txt.
 */
#ifndef MP_ROUTE_BUILD_H
#define MP_ROUTE_BUILD_H

#include <stddef.h>
#include <time.h>

#include "error.h"
#include "route_fmt.h"

#define MP_ROUTEC_CONTACTS 8
#define MP_ROUTEC_DOMAINS 256

struct mp_routec_counts {
	/* own sources */
	size_t organisations, intermediaries, networks, asns, domains, reporters;
	size_t contacts;	/* contact objects */
	size_t errors;		/* bad objects in own sources */
	/* RPSL */
	size_t inetnum, inet6num, autnum, role, rpsl_org, rpsl_other;
	/* security.txt */
	size_t securitytxt, securitytxt_expired;
	size_t skipped;		/* bad RPSL objects and security.txt files */
	size_t unresolved;	/* references to objects that were not found */
	/* written */
	size_t prefixes4, prefixes6, intervals4, intervals6, pages4, pages6;
	size_t routes, asn_keys, domain_keys, reporter_keys, policy_keys;
};

typedef void (*mp_routec_warn_fn)(void *arg, const char *msg);

struct mp_routec;

struct mp_routec *mp_routec_new(mp_routec_warn_fn warn, void *arg);
void mp_routec_free(struct mp_routec **cp);
const struct mp_routec_counts *mp_routec_counts(const struct mp_routec *c);

/* Each returns 0, or MP_ENOMEM; bad objects are reported and counted. */
int mp_routec_add_source(struct mp_routec *c, const char *file, const char *text, size_t len);
int mp_routec_add_rpsl(struct mp_routec *c, const char *file, const char *text, size_t len);
/* `now` decides what is expired. */
int mp_routec_add_securitytxt(struct mp_routec *c, const char *domain, const char *file,
    const char *text, size_t len, time_t now);

/* What the RPSL importer adds, for generated data (the benchmark). */
int mp_routec_add_inetnum(struct mp_routec *c, int fam, mp_u128 start, int len,
    const char *abuse_c, const char *org);
int mp_routec_add_role(struct mp_routec *c, const char *nic_hdl, const char *mailbox);

int mp_routec_write(struct mp_routec *c, const char *path, struct mp_error *err);

#endif
