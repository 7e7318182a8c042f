/*
 * NAME
 *	route_build_int - the routing compiler's model, shared by its parts
 * DESCRIPTION
 *	Private to lib/route/route_build*.c. The compiler (route_build.h) is
 *	one object in five files, along its stages: the model and the
 *	helpers the importers share (route_build.c), meldpunt's own source
 *	format (route_src.c), the RPSL and security.txt importers
 *	(route_import.c), the resolver that works out each chain
 *	(route_resolve.c) and the GDBM writer (route_write.c). Names here
 *	carry the rb_ prefix: they are extern only so the parts can meet.
 * OWNERSHIP
 *	Everything hangs off struct mp_routec; mp_routec_free() releases it.
 * LIMITS
 *	Those of route_build.h.
 */
#ifndef MP_ROUTE_BUILD_INT_H
#define MP_ROUTE_BUILD_INT_H

#include <stdint.h>

#include <gdbm.h>

#include "buf.h"
#include "route.h"
#include "route_build.h"
#include "route_rpsl.h"
#include "route_sectxt.h"

/* ---- interned strings: id 0 is "none" ---- */

struct strtab {
	char **str;		/* id -> string */
	uint32_t n, size;	/* ids used (from 1), allocated */
	uint32_t *slot;		/* open addressing: id or 0 */
	uint32_t nslot;		/* power of two */
};


/* ---- the model ---- */

/* What is known about one interned string, by role. */
struct strinfo {
	uint32_t ent;		/* own organisation/intermediary id -> index+1 */
	uint32_t role_mbox;	/* RPSL nic-hdl -> abuse-mailbox */
	uint32_t rorg_abusec;	/* RPSL organisation -> its abuse-c */
	uint32_t rorg_mbox;	/* RPSL organisation -> its own abuse-mailbox */
	uint32_t dom_ent;	/* domain -> own entity index+1 */
	uint32_t dom_sec;	/* domain -> security.txt index+1 */
	uint8_t reporter;	/* domain -> enum mp_reporter_auth */
	uint8_t rep_disclose;	/* domain -> enum mp_disclose (reporter) */
	uint32_t rep_name;	/* domain -> the reporter's name, 0 none */
	uint32_t rep_listtype;	/* domain -> its lists' report type, 0 none */
	uint32_t rep_case;	/* domain -> its lists' case reference, 0 none */
	uint32_t pol;		/* contact address -> its policy index+1, 0 none */
};

/*
 * The notification policy of one contact address (meldpunt-routes(5),
 * notifyinterval and digest): what its contact object says, else what
 * the organisations and intermediaries listing it say, which must agree
 * (checked as each is added). A field not given is 0 (interval) or -1
 * (digest); *_by says who gave it: entity index+1, for the message.
 */
struct policy {
	uint32_t addr;		/* the address's string id */
	unsigned obj_interval, ent_interval;
	int obj_digest, ent_digest;
	uint32_t ent_interval_by, ent_digest_by;
	int obj;		/* a contact object was given */
	uint32_t obj_file;
	unsigned obj_line;
};

struct entity {
	uint32_t id, name, wants, interm_id;
	int interm;		/* resolved: entity index, -1 none */
	int is_interm;
	enum mp_lang lang;
	size_t ncontacts, ndomains;
	uint32_t contacts[MP_ROUTEC_CONTACTS];
	uint32_t *domains;
	uint32_t file;
	unsigned line;
};

struct sectxt {
	uint32_t domain;
	enum mp_lang lang;
	size_t ncontacts;
	uint32_t contacts[MP_SECTXT_CONTACTS];
};

enum { K_ENT = 1, K_RIPE };

struct net {
	mp_u128 start;
	uint32_t ref;		/* K_ENT: entity index; K_RIPE: abuse-c */
	uint32_t org;		/* K_RIPE: org handle */
	uint8_t len, kind;
};

struct asn {
	uint32_t asn, ref, org;
	uint8_t kind;
};

struct netvec {
	struct net *v;
	size_t n, size;
};

struct mp_routec {
	mp_routec_warn_fn warn;
	void *warn_arg;
	struct mp_routec_counts counts;
	struct strtab s;	/* names, handles, domains, addresses */
	struct strinfo *info;	/* by string id */
	uint32_t ninfo;
	struct entity *ent;
	size_t nent, sizeent;
	struct sectxt *sec;
	size_t nsec, sizesec;
	struct policy *pol;
	size_t npol, sizepol;
	struct netvec nets[2];	/* IPv4, IPv6 */
	struct asn *asns;
	size_t nasn, sizeasn;
	struct mp_rpsl_obj *obj;	/* scratch, large */
};


/* ---- the resolver's output, which the writer stores ---- */

/* The decision chain of one network, AS or domain. Strings in *_m are
 * "matched" texts (templates for networks). */
struct chain {
	int org;		/* entity index or -1 */
	char org_m[MP_ROUTE_MATCHED];
	int interm;		/* served network/AS/domain, or -1 */
	char int_m[MP_ROUTE_MATCHED];
	uint32_t sec_dom;	/* a security.txt domain to use, 0 = the org's */
	uint32_t mbox, handle, rorg;	/* abuse */
	char abuse_m[MP_ROUTE_MATCHED], abuse_src[MP_ROUTE_MATCHED];
	const char *objname;
	int inherited;
	int templ;		/* a network's template: "%I" marks inheritance */
};

/* Route template ids, deduplicated by text. */
struct routes {
	struct strtab t;
	struct mp_buf b;
};

struct frame {
	mp_u128 end;
	uint32_t route;
	int org, org_len, interm, int_len;
	uint32_t mbox, handle, rorg;
	int src_len, leaf_len, has_ripe;
	uint8_t lens[MP_ROUTE_NLENS];	/* org, int, leaf, src */
};

struct bound {
	mp_u128 start;
	uint32_t route;
	uint8_t lens[MP_ROUTE_NLENS];
};

struct bvec {
	struct bound *v;
	size_t n, size;
};


void rb_cwarn(struct mp_routec *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
uint32_t rb_strtab_id(struct strtab *t, const char *s, size_t n, int add);
void rb_strtab_free(struct strtab *t);
void *rb_grow(void *v, size_t *size, size_t need, size_t elem);
uint32_t rb_sidz(struct mp_routec *c, const char *s);
uint32_t rb_handle_id(struct mp_routec *c, const char *s);
int rb_add_asn(struct mp_routec *c, uint32_t asn, int kind, uint32_t ref, uint32_t org);
int rb_parse_asn(const char *v, uint32_t *asn);
int rb_add_network_text(struct mp_routec *c, const char *v, int kind, uint32_t ref,
    uint32_t org, size_t *count, char *why, size_t whysz);
const char *rb_str(const struct mp_routec *c, uint32_t id);
int rb_compose(const struct mp_routec *c, const struct chain *ch, struct mp_buf *b);
/* The policy an address is written with: *interval 0 and *digest 0 when
 * none is given (route.h, struct mp_route_policy). */
void rb_policy(const struct mp_routec *c, uint32_t addr, unsigned *interval,
    int *digest);
uint32_t rb_ripe_abuse(struct mp_routec *c, uint32_t abuse_c, uint32_t org, uint32_t *handle,
    uint32_t *rorg);
int rb_sweep(struct mp_routec *c, struct routes *rt, int fam, struct bvec *bv);

#endif
