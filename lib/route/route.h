/*
 * NAME
 *	route - who must be told: lookups in the routing database (GDBM)
 * SYNOPSIS
 *	#include "route.h"
 * DESCRIPTION
 *	The routing database is one read-only GDBM file built offline by
 *	`meldpunt-route compile` (see route_build.h) and renamed into place
 *	atomically. mp_route_lookup() answers a query -- an IP address, an AS
 *	number ("AS64500"), a domain or a URL (its host) -- with a struct
 *	mp_route: the contacts to tell, in resolution order, each with the
 *	rule that matched, what matched and why:
 *	  1. org           the organisation registered for the address's
 *	                   longest matching prefix, the AS number, or the
 *	                   closest parent domain;
 *	  2. securitytxt   the security.txt contact of that organisation's
 *	                   domains (or of the queried domain or its closest
 *	                   parent);
 *	  3. intermediary  the intermediary serving that organisation, or the
 *	                   network, AS or domain;
 *	  4. abuse-c       the network owner's RIPE abuse-mailbox: of the
 *	                   most specific inetnum/inet6num or aut-num, else of
 *	                   its organisation's abuse-c, else inherited from the
 *	                   closest parent network (as RIPE's abuse finder does).
 *	Every contact that applies is listed, most specific first, an address
 *	only once. Deciding whom of them to send to is the caller's policy;
 *	an organisation that lists the report types it wants (route.wants)
 *	has asked not to get the others (mp_route_wants()).
 *
 *	Each contact carries its notification policy (notify_interval,
 *	digest); mp_route_contact_policy() gives the same by address.
 *
 *	Lookups are tri-state: MP_FOUND, MP_NOTFOUND (nothing matched:
 *	"unrouted") and MP_RETRY (the file could not be read; never "no
 *	route"). A query that is not an IP, AS, domain or URL is NOTFOUND with
 *	err->code = MP_EINPUT.
 *
 *	An IP lookup is a binary search of the page index held in memory,
 *	one fetch of a page of MP_ROUTE_PAGE interval boundaries and one
 *	fetch of the route template (cached per handle). The file is read
 *	with pread, not mmap, and GDBM's bucket cache has a fixed size, so a
 *	reader's memory is the page index (16 bytes per page of up to
 *	MP_ROUTE_PAGE boundaries: 2.6 MB for 5M IPv4 + 1M IPv6 prefixes),
 *	MP_ROUTEDB_CACHE cached routes and MP_ROUTEDB_BUCKETS buckets of 4 KB,
 *	whatever the size of the file.
 * THREADS
 *	A handle may be shared by many threads: every use of the GDBM handle
 *	and the route cache is behind the handle's mutex. A lookup takes a
 *	few microseconds, so one shared handle serves a milter well and
 *	keeps one set of caches (about 14 MB at RIPE size). For bulk lookups
 *	in parallel, open one handle per thread (GDBM allows many readers);
 *	each has its own caches.
 *
 *	mp_routedb_open() reads only its own version of the file
 *	(route_fmt.h); another is refused with a sentence saying which it is
 *	and what to do (compile it again, or upgrade meldpunt).
 * RELOAD
 *	mp_routedb_changed() tells whether the file at the handle's path is
 *	now another one (device, inode, size or mtime differ), as after a new
 *	`compile`. The caller then opens the new file, swaps it into its
 *	configuration snapshot and closes the old handle when the last user
 *	lets go of it; a failed open keeps the old handle.
 * OWNERSHIP
 *	mp_routedb_open() returns a handle owned by the caller, released by
 *	mp_routedb_close(&db). struct mp_route is caller-owned, fixed-size
 *	and holds no pointers: nothing to free.
 * LIMITS
 *	MP_ROUTE_CONTACTS contacts per route (the rest are dropped and
 *	route.truncated set); matched and why strings are cut to their size.
 */
#ifndef MP_ROUTE_H
#define MP_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "error.h"
#include "lang.h"

#define MP_ROUTE_CONTACTS 16
#define MP_ROUTE_MATCHED 256
#define MP_ROUTE_WHY 320
#define MP_ROUTE_WANTS 256
#define MP_ROUTEDB_CACHE 8192	/* route templates cached per handle */
#define MP_ROUTEDB_BUCKETS 1024	/* GDBM buckets cached per handle (4 KB each) */

enum mp_route_rule {
	MP_RULE_ORG = 1,
	MP_RULE_SECURITYTXT,
	MP_RULE_INTERMEDIARY,
	MP_RULE_ABUSEC,
};

enum mp_reporter_auth {
	MP_AUTH_SPF = 1,
	MP_AUTH_DKIM = 2,
	MP_AUTH_BOTH = 3,	/* SPF and DKIM */
};

/*
 * What a notification may say about the reporter: "disclose"
 * in the reporter record of the routing source. The reporter's client
 * address, HELO name and envelope sender are never shown, whatever this
 * says; it governs the name and contact address in the text only.
 */
enum mp_disclose {
	MP_DISCLOSE_NAME = 0,		/* default: the organisation name */
	MP_DISCLOSE_NONE,		/* nothing: "a reporter" */
	MP_DISCLOSE_NAME_ADDRESS,	/* the name and its contact address */
};

#define MP_REPORTER_NAME_MAX 128
#define MP_REPORTER_WORD_MAX 32
#define MP_REPORTER_CASE_MAX 64

/* A known-reporter record. */
struct mp_route_reporter {
	enum mp_reporter_auth auth;
	enum mp_disclose disclose;
	char name[MP_REPORTER_NAME_MAX];	/* "" when the record has none */
	/* For a generic CSV list from this reporter (docs/feeds.md): the
	 * report type word ("vulnerable-service") and case reference its
	 * record gives, "" when none (meldpunt-routes(5), listtype, case). */
	char listtype[MP_REPORTER_WORD_MAX];
	char case_ref[MP_REPORTER_CASE_MAX];
	char domain[MP_ROUTE_MATCHED];		/* the record's domain */
};

struct mp_route_contact {
	char address[MP_ADDR_MAX + 1];
	enum mp_lang lang;
	enum mp_route_rule rule;
	/* Its notification policy (mp_route_contact_policy): seconds
	 * between the sender's notifications, 0 = NotifyInterval of
	 * meldpunt.conf; digest 1 when its single reports wait for the
	 * sender like list rows instead of being notified at once. */
	unsigned notify_interval;
	int digest;
	char matched[MP_ROUTE_MATCHED];	/* "192.0.2.0/24", "AS64500", "example.nl" */
	char why[MP_ROUTE_WHY];
};

struct mp_route {
	size_t ncontacts;
	int truncated;
	char wants[MP_ROUTE_WANTS];	/* "malware,phishing"; "" = every type */
	struct mp_route_contact contacts[MP_ROUTE_CONTACTS];
};

struct mp_routedb;

int mp_routedb_open(const char *path, struct mp_routedb **dbp, struct mp_error *err);
void mp_routedb_close(struct mp_routedb **dbp);
/* 1 when the file at the handle's path is no longer the one opened, else 0
 * (also when it cannot be stat'ed now: keep what works). */
int mp_routedb_changed(struct mp_routedb *db);
const char *mp_routedb_path(const struct mp_routedb *db);

enum mp_lookup mp_route_lookup(struct mp_routedb *db, const char *query,
    struct mp_route *route, struct mp_error *err);

/*
 * A known reporter: the required authentication for `domain` or its
 * closest parent with an entry (*auth, and in *matched when not NULL,
 * size MP_ROUTE_MATCHED, the domain that matched).
 */
enum mp_lookup mp_route_reporter(struct mp_routedb *db, const char *domain,
    enum mp_reporter_auth *auth, char *matched, struct mp_error *err);

/* The same, with the whole record: auth, disclose, name, domain. */
enum mp_lookup mp_route_reporter_rec(struct mp_routedb *db,
    const char *domain, struct mp_route_reporter *rec, struct mp_error *err);

/*
 * A contact's notification policy (meldpunt-routes(5): notifyinterval
 * and digest, of its contact object or of the organisations and
 * intermediaries listing it), by address, for the sender, which knows a
 * contact by its address only. MP_FOUND with *p; MP_NOTFOUND with *p
 * zero (the defaults: NotifyInterval, no digest), also for a string that
 * is no address (err->code MP_EINPUT); MP_RETRY when the file cannot be
 * read.
 */
struct mp_route_policy {
	unsigned notify_interval;	/* seconds, 0 = the default */
	int digest;
};
enum mp_lookup mp_route_contact_policy(struct mp_routedb *db,
    const char *addr, struct mp_route_policy *p, struct mp_error *err);

const char *mp_disclose_name(enum mp_disclose d);	/* "name", "none", ... */
/* "name", "none", "name+address" (case-insensitive): 0, or MP_EINPUT. */
int mp_disclose_parse(const char *s, enum mp_disclose *d);

/* 1 when the route's organisation wants reports of `type` (or any). */
int mp_route_wants(const struct mp_route *route, const char *type);

/*
 * Whom of a route's contacts to tell about a report of `type`: the
 * contacts of the most specific tier that has any (organisation, then
 * security.txt, then intermediary, then abuse-c; organisation and
 * security.txt only when the organisation wants the type). `health`
 * (NULL: every address is reachable) is asked about each contact: 0 to
 * use it, 1 to skip it (unreachable; `why` says since when), -1 when it
 * cannot tell (err filled: the caller retries). A tier whose contacts
 * are all skipped gives way to the next. The routing layer knows no state:
 * the caller's callback does (lib/daemon, tools).
 * Returns MP_FOUND with pick->to[] the contacts, MP_NOTFOUND when none
 * is left, MP_RETRY when `health` could not tell. Skipped contacts are in
 * pick->skipped[] either way.
 */
#define MP_ROUTE_SKIP_WHY 160
typedef int (*mp_route_health_fn)(const char *addr, void *arg, char *why,
    size_t whylen, struct mp_error *err);
struct mp_route_pick {
	const struct mp_route_contact *to[MP_ROUTE_CONTACTS];
	size_t nto;
	struct {
		const struct mp_route_contact *c;
		char why[MP_ROUTE_SKIP_WHY];
	} skipped[MP_ROUTE_CONTACTS];
	size_t nskipped;
};
enum mp_lookup mp_route_pick(const struct mp_route *route, const char *type,
    mp_route_health_fn health, void *arg, struct mp_route_pick *pick,
    struct mp_error *err);

const char *mp_route_rule_name(enum mp_route_rule rule);
const char *mp_reporter_auth_name(enum mp_reporter_auth auth);

/*
 * Decode a route record (see route_fmt.h) into *route, expanding "%0"
 * to "%3" with `addr` of family `fam` masked to lens[0..3] (lens NULL
 * when there is no address). Pure; used by the reader and the tests.
 */
int mp_route_decode(const char *rec, size_t len, unsigned __int128 addr, int fam,
    const uint8_t *lens, struct mp_route *route, struct mp_error *err);

#endif
