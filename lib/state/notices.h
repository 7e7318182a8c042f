/*
 * NAME
 *	notices - what each notification was: notice id -> contacts (GDBM)
 * DESCRIPTION
 *	At notification time intake records, under the notice id (the
 *	X-Meldpunt-Id, also the tag of the envelope sender), the report type
 *	and source, the time, and each contact told with the routing rule
 *	that chose it and the entry that matched: enough to know whose
 *	address a bounce is about, and to route the incident again later.
 *
 *	mp_notice_record() stores (replacing a record of the same id);
 *	mp_notice_get() answers MP_FOUND with the record, MP_NOTFOUND, or
 *	MP_RETRY (err set) when the DB cannot answer -- never "not found".
 *	mp_notice_forget() takes a record back (a notification that was not
 *	sent after all). Ids are compared without regard to case: the
 *	return path reaches us lower-cased by address normalisation.
 *	Records are pruned by mp_seen_prune() once MP_NOTICE_KEEP old.
 * LIMITS
 *	MP_NOTICE_CONTACTS contacts per record; each string at most its
 *	array less one byte (longer is MP_EINPUT); a stored record that
 *	does not decode is treated as absent.
 * OWNERSHIP
 *	struct mp_notice_rec is caller-owned, fixed size.
 */
#ifndef MP_NOTICES_H
#define MP_NOTICES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

#define MP_NOTICE_CONTACTS	16
#define MP_NOTICE_ID_MAX	64
#define MP_NOTICE_ADDR_MAX	336	/* an address (addr.h) and its NUL */
#define MP_NOTICE_WORD_MAX	64
#define MP_NOTICE_TEXT_MAX	512
#define MP_NOTICE_KEEP		(90L * 86400)	/* seconds a record is kept */

struct mp_notice_contact {
	char addr[MP_NOTICE_ADDR_MAX];		/* the contact's address */
	char rule[MP_NOTICE_WORD_MAX];		/* routing rule: org, securitytxt, ... */
	char matched[MP_NOTICE_TEXT_MAX];	/* the routing entry that matched */
};

struct mp_notice_rec {
	char id[MP_NOTICE_ID_MAX];
	char type[MP_NOTICE_WORD_MAX];		/* report type */
	char source[MP_NOTICE_TEXT_MAX];	/* what was routed: IP, domain, AS */
	int64_t at;				/* when it was sent */
	size_t ncontacts;
	struct mp_notice_contact contact[MP_NOTICE_CONTACTS];
};

struct mp_seen;

int mp_notice_record(struct mp_seen *s, const struct mp_notice_rec *r,
    struct mp_error *err);
enum mp_lookup mp_notice_get(struct mp_seen *s, const char *id,
    struct mp_notice_rec *r, struct mp_error *err);
int mp_notice_forget(struct mp_seen *s, const char *id, struct mp_error *err);

/* The contact of `r` whose address is `addr` (case-insensitive), or NULL. */
const struct mp_notice_contact *mp_notice_contact_of(
    const struct mp_notice_rec *r, const char *addr);

#endif
