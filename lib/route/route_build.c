/*
 * route_build - see route_build.h
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "addr.h"
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

static uint32_t
hash_str(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static int
strtab_grow(struct strtab *t)
{
	uint32_t *ns, nn = t->nslot ? t->nslot * 2 : 1024, i, j;

	if ((ns = calloc(nn, sizeof(*ns))) == NULL)
		return MP_ENOMEM;
	for (i = 0; i < t->nslot; i++) {
		if (t->slot[i] == 0)
			continue;
		j = hash_str(t->str[t->slot[i]], strlen(t->str[t->slot[i]])) & (nn - 1);
		while (ns[j] != 0)
			j = (j + 1) & (nn - 1);
		ns[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = ns;
	t->nslot = nn;
	return MP_OK;
}

/* The id of s[0..n) (0 when absent and !add; 0 with errno on ENOMEM). */
static uint32_t
strtab_id(struct strtab *t, const char *s, size_t n, int add)
{
	uint32_t j;
	char *copy;

	if (t->nslot == 0 || (t->n + 1) * 2 > t->nslot) {
		if (!add && t->nslot == 0)
			return 0;
		if (add && strtab_grow(t) != MP_OK)
			return 0;
	}
	j = hash_str(s, n) & (t->nslot - 1);
	while (t->slot[j] != 0) {
		const char *o = t->str[t->slot[j]];

		if (strncmp(o, s, n) == 0 && o[n] == '\0')
			return t->slot[j];
		j = (j + 1) & (t->nslot - 1);
	}
	if (!add)
		return 0;
	if (t->n + 1 >= t->size) {
		uint32_t ns = t->size ? t->size * 2 : 1024;
		char **np = realloc(t->str, ns * sizeof(*np));

		if (np == NULL)
			return 0;
		t->str = np;
		t->size = ns;
	}
	if ((copy = malloc(n + 1)) == NULL)
		return 0;
	memcpy(copy, s, n);
	copy[n] = '\0';
	t->str[++t->n] = copy;
	t->slot[j] = t->n;
	return t->n;
}

static void
strtab_free(struct strtab *t)
{
	uint32_t i;

	for (i = 1; i <= t->n; i++)
		free(t->str[i]);
	free(t->str);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

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
	struct netvec nets[2];	/* IPv4, IPv6 */
	struct asn *asns;
	size_t nasn, sizeasn;
	struct mp_rpsl_obj *obj;	/* scratch, large */
};

static void
cwarn(struct mp_routec *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
cwarn(struct mp_routec *c, const char *fmt, ...)
{
	char msg[MP_ERROR_MAX + 256];
	va_list ap;

	if (c->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->warn(c->warn_arg, msg);
}

static void *
grow(void *v, size_t *size, size_t need, size_t elem)
{
	size_t ns;
	void *p;

	if (need <= *size)
		return v;
	ns = *size ? *size * 2 : 64;
	while (ns < need)
		ns *= 2;
	if ((p = realloc(v, ns * elem)) == NULL)
		return NULL;
	*size = ns;
	return p;
}

/* Intern and make sure info[] covers the id. 0 on ENOMEM. */
static uint32_t
sid(struct mp_routec *c, const char *s, size_t n)
{
	uint32_t id = strtab_id(&c->s, s, n, 1);

	if (id != 0 && id >= c->ninfo) {
		uint32_t nn = c->ninfo ? c->ninfo : 1024;
		struct strinfo *p;

		while (nn <= id)
			nn *= 2;
		if ((p = realloc(c->info, nn * sizeof(*p))) == NULL)
			return 0;
		memset(p + c->ninfo, 0, (nn - c->ninfo) * sizeof(*p));
		c->info = p;
		c->ninfo = nn;
	}
	return id;
}

static uint32_t
sidz(struct mp_routec *c, const char *s)
{
	return sid(c, s, strlen(s));
}

/* Upper-cased handle id (RIPE handles compare case-insensitively). */
static uint32_t
handle_id(struct mp_routec *c, const char *s)
{
	char tmp[128];
	size_t n = strcspn(s, " "), i;

	if (n == 0 || n >= sizeof(tmp))
		return 0;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
		tmp[i] = (char)toupper((unsigned char)s[i]);
	}
	return sid(c, tmp, n);
}

struct mp_routec *
mp_routec_new(mp_routec_warn_fn warn, void *arg)
{
	struct mp_routec *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if ((c->obj = malloc(sizeof(*c->obj))) == NULL) {
		free(c);
		return NULL;
	}
	c->warn = warn;
	c->warn_arg = arg;
	return c;
}

void
mp_routec_free(struct mp_routec **cp)
{
	struct mp_routec *c = *cp;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nent; i++)
		free(c->ent[i].domains);
	free(c->ent);
	free(c->sec);
	free(c->nets[0].v);
	free(c->nets[1].v);
	free(c->asns);
	free(c->info);
	free(c->obj);
	strtab_free(&c->s);
	free(c);
	*cp = NULL;
}

const struct mp_routec_counts *
mp_routec_counts(const struct mp_routec *c)
{
	return &c->counts;
}

static int
add_net(struct mp_routec *c, int fam, mp_u128 start, int len, int kind,
    uint32_t ref, uint32_t org)
{
	struct netvec *nv = &c->nets[fam == 4 ? 0 : 1];
	struct net *p;

	if ((p = grow(nv->v, &nv->size, nv->n + 1, sizeof(*p))) == NULL)
		return MP_ENOMEM;
	nv->v = p;
	p = &nv->v[nv->n++];
	p->start = mp_ip_mask(start, len, fam);
	p->len = (uint8_t)len;
	p->kind = (uint8_t)kind;
	p->ref = ref;
	p->org = org;
	return MP_OK;
}

static int
add_asn(struct mp_routec *c, uint32_t asn, int kind, uint32_t ref, uint32_t org)
{
	struct asn *p;

	if ((p = grow(c->asns, &c->sizeasn, c->nasn + 1, sizeof(*p))) == NULL)
		return MP_ENOMEM;
	c->asns = p;
	p = &c->asns[c->nasn++];
	p->asn = asn;
	p->kind = (uint8_t)kind;
	p->ref = ref;
	p->org = org;
	return MP_OK;
}

int
mp_routec_add_inetnum(struct mp_routec *c, int fam, mp_u128 start, int len,
    const char *abuse_c, const char *org)
{
	uint32_t a = abuse_c ? handle_id(c, abuse_c) : 0;
	uint32_t o = org ? handle_id(c, org) : 0;

	return add_net(c, fam, start, len, K_RIPE, a, o);
}

int
mp_routec_add_role(struct mp_routec *c, const char *nic_hdl, const char *mailbox)
{
	uint32_t h = handle_id(c, nic_hdl), m;

	if (h == 0 || (m = sidz(c, mailbox)) == 0)
		return MP_ENOMEM;
	c->info[h].role_mbox = m;
	return MP_OK;
}

/* ---- parsing helpers shared by the importers ---- */

static int
parse_asn(const char *v, uint32_t *asn)
{
	unsigned long long n = 0;
	size_t i;

	if (strncasecmp(v, "AS", 2) != 0 || v[2] == '\0')
		return MP_EINPUT;
	for (i = 2; v[i] != '\0'; i++) {
		if (!isdigit((unsigned char)v[i]) || i > 12)
			return MP_EINPUT;
		n = n * 10 + (unsigned)(v[i] - '0');
	}
	if (n > 0xffffffffULL)
		return MP_EINPUT;
	*asn = (uint32_t)n;
	return MP_OK;
}

struct split_ctx {
	struct mp_routec *c;
	int fam, kind;
	uint32_t ref, org;
	size_t count;
};

static int
split_emit(void *arg, mp_u128 start, int len)
{
	struct split_ctx *x = arg;

	x->count++;
	return add_net(x->c, x->fam, start, len, x->kind, x->ref, x->org);
}

/* "P/len", "A - B" (a range, split into prefixes) or one address. */
static int
add_network_text(struct mp_routec *c, const char *v, int kind, uint32_t ref,
    uint32_t org, size_t *count, char *why, size_t whysz)
{
	struct split_ctx x = { c, 0, kind, ref, org, 0 };
	const char *dash = strchr(v, '-');
	mp_u128 a, b;
	int len, fam2, rc;

	if (dash != NULL) {
		const char *e = dash, *s2 = dash + 1;

		while (e > v && e[-1] == ' ')
			e--;
		while (*s2 == ' ')
			s2++;
		if (mp_ip_parse(v, (size_t)(e - v), &a, &x.fam) != MP_OK ||
		    mp_ip_parse(s2, strlen(s2), &b, &fam2) != MP_OK || fam2 != x.fam) {
			snprintf(why, whysz, "\"%.80s\" is not an address range", v);
			return MP_EINPUT;
		}
		if (a > b) {
			snprintf(why, whysz, "range \"%.80s\" ends before it starts", v);
			return MP_EINPUT;
		}
		rc = mp_range_split(a, b, x.fam, split_emit, &x);
	} else {
		if (mp_prefix_parse(v, strlen(v), &a, &len, &x.fam) != MP_OK) {
			snprintf(why, whysz, "\"%.80s\" is not a prefix (192.0.2.0/24, 2001:db8::/32)", v);
			return MP_EINPUT;
		}
		if (mp_ip_mask(a, len, x.fam) != a) {
			snprintf(why, whysz, "prefix \"%.80s\" has bits set past /%d", v, len);
			return MP_EINPUT;
		}
		rc = add_net(c, x.fam, a, len, kind, ref, org);
		x.count = 1;
	}
	if (count)
		*count += x.count;
	if (rc != MP_OK)
		snprintf(why, whysz, "out of memory");
	return rc;
}

/* ---- own source format ---- */

static const char *const report_types[] = {
	"malware", "vulnerable-service", "open-service", "login-attack", "spam",
	"phishing", "leaked-credentials", "compromised-website", "ddos", "other", NULL
};

static int
valid_id(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return 0;
	return i > 0 && i <= 64;
}

/* Check and normalize a comma/space separated list of report types. */
static int
wants_list(const char *v, char *out, size_t outsz, char *why, size_t whysz)
{
	size_t o = 0, n, i;
	const char *p = v;

	out[0] = '\0';
	while (*p != '\0') {
		while (*p == ',' || *p == ' ')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, ", ");
		for (i = 0; report_types[i] != NULL; i++)
			if (strlen(report_types[i]) == n && strncasecmp(p, report_types[i], n) == 0)
				break;
		if (report_types[i] == NULL) {
			snprintf(why, whysz, "unknown report type \"%.*s\" (one of malware, "
			    "vulnerable-service, open-service, login-attack, spam, phishing, "
			    "leaked-credentials, compromised-website, ddos, other)", (int)(n > 40 ? 40 : n), p);
			return MP_EINPUT;
		}
		if (o + strlen(report_types[i]) + 2 > outsz) {
			snprintf(why, whysz, "too many report types");
			return MP_ELIMIT;
		}
		o += (size_t)snprintf(out + o, outsz - o, "%s%s", o ? "," : "", report_types[i]);
		p += n;
	}
	return MP_OK;
}

static int
parse_lang(const char *v, enum mp_lang *lang)
{
	if (strcasecmp(v, "nl") == 0)
		*lang = MP_LANG_NL;
	else if (strcasecmp(v, "en") == 0)
		*lang = MP_LANG_EN;
	else
		return MP_EINPUT;
	return MP_OK;
}

/* One "organisation" or "intermediary" object. why set on error. */
static int
own_entity(struct mp_routec *c, const struct mp_rpsl_obj *o, uint32_t file,
    int is_interm, char *why, size_t whysz, unsigned *line)
{
	struct entity e, *ep;
	char tmp[MP_ADDR_MAX + 1], wants[MP_ROUTE_WANTS];
	size_t i, idx;
	uint32_t *doms = NULL, asn;
	int rc = MP_OK;

	memset(&e, 0, sizeof(e));
	e.interm = -1;
	e.is_interm = is_interm;
	e.file = file;
	e.line = o->line;
	*line = o->line;
	if (!valid_id(o->attr[0].value)) {
		snprintf(why, whysz, "the %s id \"%.64s\" must be 1 to 64 letters, digits, '-', '_' or '.'",
		    o->attr[0].name, o->attr[0].value);
		return MP_EINPUT;
	}
	if ((e.id = sidz(c, o->attr[0].value)) == 0)
		return MP_ENOMEM;
	if (c->info[e.id].ent != 0) {
		snprintf(why, whysz, "%s \"%s\" is defined twice (first at %s:%u)",
		    o->attr[0].name, o->attr[0].value,
		    c->s.str[c->ent[c->info[e.id].ent - 1].file], c->ent[c->info[e.id].ent - 1].line);
		return MP_EINPUT;
	}
	idx = c->nent;
	/* First pass: validate everything, so a bad object adds nothing. */
	for (i = 1; i < o->nattr; i++) {
		const struct mp_rpsl_attr *a = &o->attr[i];
		const char *n = a->name;
		mp_u128 ad;
		int l, f;

		*line = a->line;
		if (a->vlen == 0) {
			snprintf(why, whysz, "\"%s\" without a value", n);
			return MP_EINPUT;
		}
		if (strcmp(n, "name") == 0) {
			continue;
		} else if (strcmp(n, "contact") == 0) {
			if (mp_addr_normalize(a->value, tmp, sizeof(tmp)) != 0 || tmp[0] == '\0') {
				snprintf(why, whysz, "contact \"%.80s\" is not one mail address", a->value);
				return MP_EINPUT;
			}
			if (++e.ncontacts > MP_ROUTEC_CONTACTS) {
				snprintf(why, whysz, "more than %d contacts (limit)", MP_ROUTEC_CONTACTS);
				return MP_ELIMIT;
			}
		} else if (strcmp(n, "language") == 0) {
			if (parse_lang(a->value, &e.lang) != MP_OK) {
				snprintf(why, whysz, "language \"%.20s\" is not nl or en", a->value);
				return MP_EINPUT;
			}
		} else if (strcmp(n, "wants") == 0 && !is_interm) {
			if ((rc = wants_list(a->value, wants, sizeof(wants), why, whysz)) != MP_OK)
				return rc;
		} else if (strcmp(n, "intermediary") == 0 && !is_interm) {
			if (!valid_id(a->value)) {
				snprintf(why, whysz, "intermediary \"%.64s\" is not an id", a->value);
				return MP_EINPUT;
			}
		} else if (strcmp(n, "network") == 0) {
			const char *dash = strchr(a->value, '-');

			if (dash == NULL && (mp_prefix_parse(a->value, a->vlen, &ad, &l, &f) != MP_OK ||
			    mp_ip_mask(ad, l, f) != ad)) {
				snprintf(why, whysz, "network \"%.80s\" is not a prefix (192.0.2.0/24) or range (192.0.2.10 - 192.0.2.20)",
				    a->value);
				return MP_EINPUT;
			}
		} else if (strcmp(n, "asn") == 0) {
			if (parse_asn(a->value, &asn) != MP_OK) {
				snprintf(why, whysz, "asn \"%.40s\" is not an AS number (AS64500)", a->value);
				return MP_EINPUT;
			}
		} else if (strcmp(n, "domain") == 0) {
			if (mp_domain_norm(a->value, a->vlen, tmp, sizeof(tmp)) != MP_OK) {
				snprintf(why, whysz, "domain \"%.80s\" is not a domain name", a->value);
				return MP_EINPUT;
			}
			if (++e.ndomains > MP_ROUTEC_DOMAINS) {
				snprintf(why, whysz, "more than %d domains (limit)", MP_ROUTEC_DOMAINS);
				return MP_ELIMIT;
			}
		} else {
			snprintf(why, whysz, "unknown attribute \"%.40s\" in %s", n, o->attr[0].name);
			return MP_EINPUT;
		}
	}
	*line = o->line;
	if (is_interm && e.ncontacts == 0) {
		snprintf(why, whysz, "intermediary \"%s\" has no contact", o->attr[0].value);
		return MP_EINPUT;
	}
	if (e.ndomains > 0 && (doms = calloc(e.ndomains, sizeof(*doms))) == NULL)
		return MP_ENOMEM;
	e.ncontacts = e.ndomains = 0;
	/* Second pass: keep it. Ranges were checked by parsing them again
	 * below; a bad range still rejects the whole object. */
	for (i = 1; i < o->nattr && rc == MP_OK; i++) {
		const struct mp_rpsl_attr *a = &o->attr[i];
		const char *n = a->name;

		*line = a->line;
		if (strcmp(n, "name") == 0) {
			e.name = sidz(c, a->value);
		} else if (strcmp(n, "contact") == 0) {
			mp_addr_normalize(a->value, tmp, sizeof(tmp));
			e.contacts[e.ncontacts++] = sidz(c, tmp);
		} else if (strcmp(n, "wants") == 0) {
			wants_list(a->value, wants, sizeof(wants), why, whysz);
			e.wants = sidz(c, wants);
		} else if (strcmp(n, "intermediary") == 0) {
			e.interm_id = sidz(c, a->value);
		} else if (strcmp(n, "domain") == 0) {
			mp_domain_norm(a->value, a->vlen, tmp, sizeof(tmp));
			doms[e.ndomains] = sidz(c, tmp);
			if (c->info[doms[e.ndomains]].dom_ent != 0) {
				snprintf(why, whysz, "domain %s is already claimed by %s", tmp,
				    c->s.str[c->ent[c->info[doms[e.ndomains]].dom_ent - 1].id]);
				rc = MP_EINPUT;
				break;
			}
			e.ndomains++;
		}
	}
	if (rc != MP_OK) {
		free(doms);
		return rc;
	}
	/* Networks and ASNs: validated above except ranges. */
	{
		size_t nets_before[2] = { c->nets[0].n, c->nets[1].n }, nasn_before = c->nasn;

		for (i = 1; i < o->nattr && rc == MP_OK; i++) {
			const struct mp_rpsl_attr *a = &o->attr[i];

			*line = a->line;
			if (strcmp(a->name, "network") == 0)
				rc = add_network_text(c, a->value, K_ENT, (uint32_t)idx, 0,
				    &c->counts.networks, why, whysz);
			else if (strcmp(a->name, "asn") == 0) {
				parse_asn(a->value, &asn);
				rc = add_asn(c, asn, K_ENT, (uint32_t)idx, 0);
				c->counts.asns++;
			}
		}
		if (rc != MP_OK) {
			c->nets[0].n = nets_before[0];
			c->nets[1].n = nets_before[1];
			c->nasn = nasn_before;
			free(doms);
			return rc;
		}
	}
	*line = o->line;
	if ((ep = grow(c->ent, &c->sizeent, c->nent + 1, sizeof(*ep))) == NULL) {
		free(doms);
		return MP_ENOMEM;
	}
	c->ent = ep;
	e.domains = doms;
	c->ent[c->nent++] = e;
	c->info[e.id].ent = (uint32_t)c->nent;
	for (i = 0; i < e.ndomains; i++)
		c->info[doms[i]].dom_ent = (uint32_t)c->nent;
	c->counts.domains += e.ndomains;
	if (is_interm)
		c->counts.intermediaries++;
	else
		c->counts.organisations++;
	return MP_OK;
}

static int
own_reporter(struct mp_routec *c, const struct mp_rpsl_obj *o, char *why, size_t whysz,
    unsigned *line)
{
	char dom[MP_DOMAIN_MAX + 1];
	enum mp_disclose disclose = MP_DISCLOSE_NAME;
	const char *name = NULL;
	int auth = 0;
	size_t i, k;
	uint32_t d, nid = 0;

	*line = o->line;
	if (mp_domain_norm(o->attr[0].value, o->attr[0].vlen, dom, sizeof(dom)) != MP_OK) {
		snprintf(why, whysz, "reporter \"%.80s\" is not a domain name", o->attr[0].value);
		return MP_EINPUT;
	}
	for (i = 1; i < o->nattr; i++) {
		const struct mp_rpsl_attr *a = &o->attr[i];

		*line = a->line;
		if (strcmp(a->name, "name") == 0) {
			/* shown to contacts: plain text, one line, bounded */
			if (a->vlen == 0 || a->vlen >= MP_REPORTER_NAME_MAX) {
				snprintf(why, whysz, "reporter name must be 1 to %d bytes",
				    MP_REPORTER_NAME_MAX - 1);
				return MP_EINPUT;
			}
			for (k = 0; k < a->vlen; k++)
				if ((unsigned char)a->value[k] < 0x20 || a->value[k] == 0x7f) {
					snprintf(why, whysz, "reporter name has a control character");
					return MP_EINPUT;
				}
			name = a->value;
			continue;
		}
		if (strcmp(a->name, "disclose") == 0) {
			if (mp_disclose_parse(a->value, &disclose) != 0) {
				snprintf(why, whysz, "disclose \"%.40s\" is not none, name or "
				    "name+address", a->value);
				return MP_EINPUT;
			}
			continue;
		}
		if (strcmp(a->name, "auth") != 0) {
			snprintf(why, whysz, "unknown attribute \"%.40s\" in reporter", a->name);
			return MP_EINPUT;
		}
		if (strcasecmp(a->value, "spf") == 0)
			auth = MP_AUTH_SPF;
		else if (strcasecmp(a->value, "dkim") == 0)
			auth = MP_AUTH_DKIM;
		else if (strcasecmp(a->value, "both") == 0)
			auth = MP_AUTH_BOTH;
		else {
			snprintf(why, whysz, "auth \"%.40s\" is not spf, dkim or both", a->value);
			return MP_EINPUT;
		}
	}
	*line = o->line;
	if (auth == 0) {
		snprintf(why, whysz, "reporter %s has no \"auth spf|dkim|both\"", dom);
		return MP_EINPUT;
	}
	if ((d = sidz(c, dom)) == 0 || (name != NULL && (nid = sidz(c, name)) == 0))
		return MP_ENOMEM;
	if (c->info[d].reporter != 0) {
		snprintf(why, whysz, "reporter %s is defined twice", dom);
		return MP_EINPUT;
	}
	c->info[d].reporter = (uint8_t)auth;
	c->info[d].rep_disclose = (uint8_t)disclose;
	c->info[d].rep_name = nid;
	c->counts.reporters++;
	return MP_OK;
}

int
mp_routec_add_source(struct mp_routec *c, const char *file, const char *text, size_t len)
{
	struct mp_rpsl_reader r;
	struct mp_error err;
	char why[MP_ERROR_MAX];
	uint32_t fid = sidz(c, file);
	unsigned line;
	int rc;

	if (fid == 0)
		return MP_ENOMEM;
	mp_rsrc_init(&r, text, len);
	while ((rc = mp_rpsl_next(&r, c->obj, &err)) != 0) {
		const char *kind;

		if (rc < 0) {
			cwarn(c, "%s:%s", file, err.msg + 5);
			c->counts.errors++;
			continue;
		}
		kind = c->obj->attr[0].name;
		why[0] = '\0';
		if (strcmp(kind, "organisation") == 0 || strcmp(kind, "organization") == 0)
			rc = own_entity(c, c->obj, fid, 0, why, sizeof(why), &line);
		else if (strcmp(kind, "intermediary") == 0)
			rc = own_entity(c, c->obj, fid, 1, why, sizeof(why), &line);
		else if (strcmp(kind, "reporter") == 0)
			rc = own_reporter(c, c->obj, why, sizeof(why), &line);
		else {
			line = c->obj->line;
			snprintf(why, sizeof(why), "unknown object kind \"%.40s\" (organisation, intermediary or reporter)", kind);
			rc = MP_EINPUT;
		}
		if (rc == MP_ENOMEM)
			return rc;
		if (rc != MP_OK) {
			cwarn(c, "%s:%u: %s", file, line, why);
			c->counts.errors++;
		}
	}
	return MP_OK;
}

/* ---- RPSL ---- */

static const char *
attr(const struct mp_rpsl_obj *o, const char *name)
{
	const struct mp_rpsl_attr *a = mp_rpsl_get(o, name);

	return a != NULL && a->vlen > 0 ? a->value : NULL;
}

static int
rpsl_object(struct mp_routec *c, const struct mp_rpsl_obj *o, char *why, size_t whysz)
{
	const char *cls = o->attr[0].name, *key = o->attr[0].value, *v;
	char mbox[MP_ADDR_MAX + 1];
	uint32_t asn, h;

	if (strcmp(cls, "inetnum") == 0 || strcmp(cls, "inet6num") == 0) {
		uint32_t a = (v = attr(o, "abuse-c")) ? handle_id(c, v) : 0;
		uint32_t org = (v = attr(o, "org")) ? handle_id(c, v) : 0;
		size_t dummy = 0;
		int rc;

		if ((strchr(key, ':') != NULL) != (cls[4] == '6')) {
			snprintf(why, whysz, "%s \"%.80s\" is not an IPv%c network", cls, key,
			    cls[4] == '6' ? '6' : '4');
			return MP_EINPUT;
		}
		if ((rc = add_network_text(c, key, K_RIPE, a, org, &dummy, why, whysz)) != MP_OK)
			return rc;
		if (cls[4] == '6')
			c->counts.inet6num++;
		else
			c->counts.inetnum++;
		return MP_OK;
	}
	if (strcmp(cls, "aut-num") == 0) {
		if (parse_asn(key, &asn) != MP_OK) {
			snprintf(why, whysz, "aut-num \"%.40s\" is not an AS number", key);
			return MP_EINPUT;
		}
		c->counts.autnum++;
		{
			const char *ac = attr(o, "abuse-c"), *og = attr(o, "org");

			return add_asn(c, asn, K_RIPE, ac ? handle_id(c, ac) : 0,
			    og ? handle_id(c, og) : 0);
		}
	}
	if (strcmp(cls, "role") == 0 || strcmp(cls, "person") == 0 ||
	    strcmp(cls, "organisation") == 0) {
		int is_org = cls[0] == 'o';

		if ((v = is_org ? key : attr(o, "nic-hdl")) == NULL) {
			snprintf(why, whysz, "%s \"%.60s\" has no nic-hdl", cls, key);
			return MP_EINPUT;
		}
		if ((h = handle_id(c, v)) == 0) {
			snprintf(why, whysz, "%s handle \"%.60s\" is not a handle (letters, digits, '-', at most 127)", cls, v);
			return MP_EINPUT;
		}
		if ((v = attr(o, "abuse-mailbox")) != NULL) {
			if (mp_addr_normalize(v, mbox, sizeof(mbox)) != 0 || mbox[0] == '\0') {
				snprintf(why, whysz, "abuse-mailbox \"%.80s\" of %s is not one mail address",
				    v, c->s.str[h]);
				return MP_EINPUT;
			}
			if (is_org)
				c->info[h].rorg_mbox = sidz(c, mbox);
			else
				c->info[h].role_mbox = sidz(c, mbox);
		}
		if (is_org) {
			if ((v = attr(o, "abuse-c")) != NULL)
				c->info[h].rorg_abusec = handle_id(c, v);
			c->counts.rpsl_org++;
		} else if (cls[0] == 'r') {
			c->counts.role++;
		} else {
			c->counts.rpsl_other++;
		}
		return MP_OK;
	}
	c->counts.rpsl_other++;
	return MP_OK;
}

int
mp_routec_add_rpsl(struct mp_routec *c, const char *file, const char *text, size_t len)
{
	struct mp_rpsl_reader r;
	struct mp_error err;
	char why[MP_ERROR_MAX];
	int rc;

	mp_rpsl_init(&r, text, len);
	while ((rc = mp_rpsl_next(&r, c->obj, &err)) != 0) {
		if (rc < 0) {
			cwarn(c, "%s:%s (object skipped)", file, err.msg + 5);
			c->counts.skipped++;
			continue;
		}
		why[0] = '\0';
		if ((rc = rpsl_object(c, c->obj, why, sizeof(why))) == MP_ENOMEM)
			return rc;
		if (rc != MP_OK) {
			cwarn(c, "%s:%u: %s (object skipped)", file, c->obj->line, why);
			c->counts.skipped++;
		}
	}
	return MP_OK;
}

/* ---- security.txt ---- */

int
mp_routec_add_securitytxt(struct mp_routec *c, const char *domain, const char *file,
    const char *text, size_t len, time_t now)
{
	struct mp_sectxt st;
	struct mp_error err;
	struct sectxt *p;
	char dom[MP_DOMAIN_MAX + 1];
	uint32_t d;
	size_t i;

	if (mp_domain_norm(domain, strlen(domain), dom, sizeof(dom)) != MP_OK) {
		cwarn(c, "%s: \"%.80s\" is not a domain name (skipped)", file, domain);
		c->counts.skipped++;
		return MP_OK;
	}
	if (mp_sectxt_parse(text, len, now, &st, &err) != MP_OK) {
		cwarn(c, "%s: %s (security.txt of %s skipped)", file, err.msg, dom);
		c->counts.skipped++;
		return MP_OK;
	}
	for (i = 0; i < st.nwarn; i++)
		cwarn(c, "%s: %s", file, st.warn[i]);
	if (st.expired) {
		cwarn(c, "%s: expired (Expires is in the past): security.txt of %s ignored", file, dom);
		c->counts.securitytxt_expired++;
		return MP_OK;
	}
	if ((d = sidz(c, dom)) == 0)
		return MP_ENOMEM;
	if (c->info[d].dom_sec != 0) {
		cwarn(c, "%s: a second security.txt for %s: the first one holds", file, dom);
		c->counts.skipped++;
		return MP_OK;
	}
	if ((p = grow(c->sec, &c->sizesec, c->nsec + 1, sizeof(*p))) == NULL)
		return MP_ENOMEM;
	c->sec = p;
	p = &c->sec[c->nsec++];
	memset(p, 0, sizeof(*p));
	p->domain = d;
	p->lang = st.lang;
	for (i = 0; i < st.ncontacts; i++)
		if ((p->contacts[p->ncontacts++] = sidz(c, st.contacts[i])) == 0)
			return MP_ENOMEM;
	c->info[d].dom_sec = (uint32_t)c->nsec;
	c->counts.securitytxt++;
	return MP_OK;
}

/* ---- resolution ---- */

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

/* Append s with '%' escaped; TAB/CR/LF never occur (readers drop them). */
static int
put_lit(struct mp_buf *b, const char *s)
{
	int rc = MP_OK;

	for (; *s != '\0' && rc == MP_OK; s++) {
		if (*s == '%')
			rc = mp_buf_append(b, "%%", 2);
		else if ((unsigned char)*s < ' ')
			rc = mp_buf_append(b, " ", 1);
		else
			rc = mp_buf_append(b, s, 1);
	}
	return rc;
}

static const char *
str(const struct mp_routec *c, uint32_t id)
{
	return id ? c->s.str[id] : "";
}

/* One "C" line; matched is a template already, why is built by the caller
 * as a template. */
static int
put_contact(struct mp_buf *b, const char *rule, enum mp_lang lang, const char *addr,
    const char *matched, const char *why)
{
	int rc = mp_buf_printf(b, "C\t%s\t%s\t", rule, mp_lang_name(lang));

	if (rc == MP_OK)
		rc = put_lit(b, addr);
	if (rc == MP_OK)
		rc = mp_buf_printf(b, "\t%s\t%s\n", matched, why);
	return rc;
}

static void
ent_desc(const struct mp_routec *c, const struct entity *e, char *out, size_t outsz)
{
	struct mp_buf b;

	mp_buf_init(&b, outsz - 1);
	mp_buf_printf(&b, "%s ", e->is_interm ? "intermediary" : "organisation");
	put_lit(&b, str(c, e->id));
	if (e->name) {
		mp_buf_puts(&b, " (");
		put_lit(&b, str(c, e->name));
		mp_buf_puts(&b, ")");
	}
	snprintf(out, outsz, "%s", b.data ? b.data : "");
	mp_buf_free(&b);
}

static int
put_sectxt(const struct mp_routec *c, struct mp_buf *b, uint32_t dom, const char *suffix)
{
	const struct sectxt *s = &c->sec[c->info[dom].dom_sec - 1];
	char why[MP_ROUTE_WHY * 2];
	size_t i;
	int rc = MP_OK;

	snprintf(why, sizeof(why), "security.txt of %s%s", str(c, dom), suffix);
	for (i = 0; i < s->ncontacts && rc == MP_OK; i++)
		rc = put_contact(b, "securitytxt", s->lang, str(c, s->contacts[i]), str(c, dom), why);
	return rc;
}

static int
compose(const struct mp_routec *c, const struct chain *ch, struct mp_buf *b)
{
	char desc[MP_ROUTE_WHY], why[3 * MP_ROUTE_WHY], idesc[MP_ROUTE_WHY];
	const struct entity *e = ch->org >= 0 ? &c->ent[ch->org] : NULL, *ie = NULL;
	size_t i;
	int rc = MP_OK;

	mp_buf_reset(b);
	if (e != NULL) {
		ent_desc(c, e, desc, sizeof(desc));
		if (e->wants)
			rc = mp_buf_printf(b, "W\t%s\n", str(c, e->wants));
		snprintf(why, sizeof(why), "%s is registered for %s", desc, ch->org_m);
		for (i = 0; i < e->ncontacts && rc == MP_OK; i++)
			rc = put_contact(b, "org", e->lang, str(c, e->contacts[i]), ch->org_m, why);
	}
	if (ch->sec_dom != 0 && rc == MP_OK) {
		rc = put_sectxt(c, b, ch->sec_dom, "");
	} else if (e != NULL) {
		for (i = 0; i < e->ndomains && rc == MP_OK; i++) {
			char suffix[MP_ROUTE_WHY + 64];

			if (c->info[e->domains[i]].dom_sec == 0)
				continue;
			snprintf(suffix, sizeof(suffix), ", a domain of %s", desc);
			rc = put_sectxt(c, b, e->domains[i], suffix);
		}
	}
	if (e != NULL && e->interm >= 0) {
		ie = &c->ent[e->interm];
		ent_desc(c, ie, idesc, sizeof(idesc));
		snprintf(why, sizeof(why), "%s serves %s", idesc, desc);
		for (i = 0; i < ie->ncontacts && rc == MP_OK; i++)
			rc = put_contact(b, "intermediary", ie->lang, str(c, ie->contacts[i]),
			    ch->org_m, why);
	} else if (ch->interm >= 0) {
		ie = &c->ent[ch->interm];
		ent_desc(c, ie, idesc, sizeof(idesc));
		snprintf(why, sizeof(why), "%s serves %s%s", idesc,
		    ch->int_m[0] == '%' ? "network " : "", ch->int_m);
		for (i = 0; i < ie->ncontacts && rc == MP_OK; i++)
			rc = put_contact(b, "intermediary", ie->lang, str(c, ie->contacts[i]),
			    ch->int_m, why);
	}
	if (ch->mbox != 0 && rc == MP_OK) {
		if (ch->rorg != 0 && ch->handle != 0)
			snprintf(why, sizeof(why), "abuse-mailbox of %s, abuse-c of organisation %s holding %s %s",
			    str(c, ch->handle), str(c, ch->rorg), ch->objname, ch->abuse_src);
		else if (ch->rorg != 0)
			snprintf(why, sizeof(why), "abuse-mailbox of organisation %s holding %s %s",
			    str(c, ch->rorg), ch->objname, ch->abuse_src);
		else
			snprintf(why, sizeof(why), "abuse-mailbox of %s, abuse-c of %s %s",
			    str(c, ch->handle), ch->objname, ch->abuse_src);
		if (ch->templ) {
			size_t n = strlen(why);

			snprintf(why + n, sizeof(why) - n, "%%I");
		} else if (ch->inherited) {
			size_t n = strlen(why);

			snprintf(why + n, sizeof(why) - n, " (inherited: %s %s has no abuse-c)",
			    ch->objname, ch->abuse_m);
		}
		rc = put_contact(b, "abuse-c", MP_LANG_UNKNOWN, str(c, ch->mbox), ch->abuse_m, why);
	}
	return rc;
}

/* The abuse mailbox of a RIPE object: its abuse-c, else its org's. */
static uint32_t
ripe_abuse(struct mp_routec *c, uint32_t abuse_c, uint32_t org, uint32_t *handle,
    uint32_t *rorg)
{
	*handle = 0;
	*rorg = 0;
	if (abuse_c != 0 && c->info[abuse_c].role_mbox != 0) {
		*handle = abuse_c;
		return c->info[abuse_c].role_mbox;
	}
	if (abuse_c != 0)
		c->counts.unresolved++;
	if (org != 0) {
		uint32_t oa = c->info[org].rorg_abusec;

		if (oa != 0 && c->info[oa].role_mbox != 0) {
			*handle = oa;
			*rorg = org;
			return c->info[oa].role_mbox;
		}
		if (c->info[org].rorg_mbox != 0) {
			*rorg = org;
			return c->info[org].rorg_mbox;
		}
	}
	return 0;
}

/* Route template ids, deduplicated by text. */
struct routes {
	struct strtab t;
	struct mp_buf b;
};

static uint32_t
route_id(struct routes *r, const struct mp_buf *text)
{
	if (text->len == 0)
		return 0;
	return strtab_id(&r->t, text->data, text->len, 1);
}

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

static int
emit(struct bvec *bv, mp_u128 start, const struct frame *f)
{
	static const uint8_t none[MP_ROUTE_NLENS];
	const uint8_t *lens = f ? f->lens : none;
	uint32_t route = f ? f->route : 0;
	struct bound *p;

	if (bv->n > 0 && bv->v[bv->n - 1].start == start)
		bv->n--;
	if (bv->n > 0 && bv->v[bv->n - 1].route == route &&
	    memcmp(bv->v[bv->n - 1].lens, lens, MP_ROUTE_NLENS) == 0)
		return MP_OK;
	if ((p = grow(bv->v, &bv->size, bv->n + 1, sizeof(*p))) == NULL)
		return MP_ENOMEM;
	bv->v = p;
	bv->v[bv->n].start = start;
	memcpy(bv->v[bv->n].lens, lens, MP_ROUTE_NLENS);
	bv->v[bv->n++].route = route;
	return MP_OK;
}

static int
net_cmp(const void *a, const void *b)
{
	const struct net *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	/* Own entities after RIPE at the same prefix: order is irrelevant to
	 * the result, but must be stable for reproducible files. */
	return (int)x->kind - (int)y->kind;
}

static int
push_frame(struct mp_routec *c, struct routes *rt, int fam, const struct net *p,
    const struct frame *parent, struct frame *f)
{
	struct chain ch;
	int rc;

	if (parent != NULL)
		*f = *parent;
	else {
		memset(f, 0, sizeof(*f));
		f->org = f->interm = -1;
	}
	f->end = mp_ip_last(p->start, p->len, fam);
	if (p->kind == K_ENT) {
		if (c->ent[p->ref].is_interm) {
			f->interm = (int)p->ref;
			f->int_len = p->len;
		} else {
			f->org = (int)p->ref;
			f->org_len = p->len;
		}
	} else {
		uint32_t h, o, m = ripe_abuse(c, p->ref, p->org, &h, &o);

		f->leaf_len = p->len;
		f->has_ripe = 1;
		if (m != 0) {
			f->mbox = m;
			f->handle = h;
			f->rorg = o;
			f->src_len = p->len;
		}
	}
	memset(&ch, 0, sizeof(ch));
	ch.org = f->org;
	ch.interm = f->interm;
	snprintf(ch.org_m, sizeof(ch.org_m), "%%0");
	snprintf(ch.int_m, sizeof(ch.int_m), "%%1");
	ch.mbox = f->mbox;
	ch.handle = f->handle;
	ch.rorg = f->rorg;
	ch.objname = fam == 4 ? "inetnum" : "inet6num";
	snprintf(ch.abuse_m, sizeof(ch.abuse_m), "%%2");
	snprintf(ch.abuse_src, sizeof(ch.abuse_src), "%%3");
	ch.templ = 1;	/* inherited or not is told by the lengths */
	if ((rc = compose(c, &ch, &rt->b)) != MP_OK)
		return rc;
	f->route = route_id(rt, &rt->b);
	/* Only lengths the route names are kept, so equal neighbours merge. */
	memset(f->lens, 0, sizeof(f->lens));
	if (f->route != 0) {
		f->lens[0] = (uint8_t)(ch.org >= 0 ? f->org_len : 0);
		f->lens[1] = (uint8_t)(ch.interm >= 0 ? f->int_len : 0);
		f->lens[2] = (uint8_t)(f->mbox ? f->leaf_len : 0);
		f->lens[3] = (uint8_t)(f->mbox ? f->src_len : 0);
	}
	if (rt->b.len > 0 && f->route == 0)
		return MP_ENOMEM;
	return MP_OK;
}

static int
sweep(struct mp_routec *c, struct routes *rt, int fam, struct bvec *bv)
{
	struct netvec *nv = &c->nets[fam == 4 ? 0 : 1];
	mp_u128 maxa = fam == 4 ? 0xffffffffu : ~(mp_u128)0;
	struct frame *st = NULL;
	size_t sp = 0, ssize = 0, i;
	int rc = MP_OK;

	if (nv->n > 0)
		qsort(nv->v, nv->n, sizeof(*nv->v), net_cmp);
	if ((rc = emit(bv, 0, NULL)) != MP_OK)
		return rc;
	for (i = 0; i <= nv->n && rc == MP_OK; i++) {
		/* Close the frames that end before this prefix (all at the end). */
		while (sp > 0 && (i == nv->n || st[sp - 1].end < nv->v[i].start)) {
			struct frame *t = &st[--sp];

			if (t->end != maxa && (rc = emit(bv, t->end + 1,
			    sp > 0 ? &st[sp - 1] : NULL)) != MP_OK)
				break;
		}
		if (i == nv->n || rc != MP_OK)
			break;
		if ((st = grow(st, &ssize, sp + 1, sizeof(*st))) == NULL)
			return MP_ENOMEM;
		rc = push_frame(c, rt, fam, &nv->v[i], sp > 0 ? &st[sp - 1] : NULL, &st[sp]);
		if (rc == MP_OK)
			rc = emit(bv, nv->v[i].start, &st[sp]);
		sp++;
	}
	free(st);
	return rc;
}

/* ---- writing ---- */

static int
store(GDBM_FILE db, const void *k, size_t kl, const void *v, size_t vl,
    struct mp_error *err)
{
	datum key = { (char *)k, (int)kl }, val = { (char *)v, (int)vl };

	if (gdbm_store(db, key, val, GDBM_REPLACE) != 0)
		return mp_error_set(err, MP_EIO, "cannot write the routing database: %s",
		    gdbm_db_strerror(db));
	return MP_OK;
}

static int
count_cmp(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	return x[1] != y[1] ? (x[1] > y[1] ? -1 : 1) : (x[0] > y[0]) - (x[0] < y[0]);
}

/* One page: count, boundaries, and the routes it uses most, inline. */
static size_t
build_page(unsigned char *page, int fam, const struct bound *b, size_t n,
    const struct routes *rt)
{
	size_t w = fam == 4 ? 4 : 16, ew = MP_ROUTE_ENTRY(fam), j, k, nu = 0, o, used = 0;
	uint32_t uniq[MP_ROUTE_PAGE][2];	/* id, uses */

	page[0] = (unsigned char)(n >> 8);
	page[1] = (unsigned char)n;
	for (j = 0; j < n; j++) {
		unsigned char *e = page + 2 + j * ew;

		if (fam == 4)
			mp_put_u32(e, (uint32_t)b[j].start);
		else
			mp_put_u128(e, b[j].start);
		mp_put_u32(e + w, b[j].route);
		memcpy(e + w + 4, b[j].lens, MP_ROUTE_NLENS);
		if (b[j].route == 0)
			continue;
		for (k = 0; k < nu && uniq[k][0] != b[j].route; k++)
			;
		if (k == nu) {
			uniq[nu][0] = b[j].route;
			uniq[nu++][1] = 0;
		}
		uniq[k][1]++;
	}
	o = 2 + n * ew;
	qsort(uniq, nu, sizeof(uniq[0]), count_cmp);
	for (k = 0; k < nu; k++) {
		const char *t = rt->t.str[uniq[k][0]];
		size_t len = strlen(t);

		if (len > 0xffff || used + 6 + len > MP_ROUTE_INLINE)
			continue;
		mp_put_u32(page + o, uniq[k][0]);
		page[o + 4] = (unsigned char)(len >> 8);
		page[o + 5] = (unsigned char)len;
		memcpy(page + o + 6, t, len);
		o += 6 + len;
		used += 6 + len;
	}
	return o;
}

static int
write_pages(GDBM_FILE db, int fam, const struct bvec *bv, const struct routes *rt,
    struct mp_routec_counts *cnt, struct mp_error *err)
{
	size_t w = fam == 4 ? 4 : 16, npages, i, len;
	unsigned char *idx, page[2 + MP_ROUTE_PAGE * MP_ROUTE_ENTRY(6) + MP_ROUTE_INLINE], key[6];
	int rc = MP_OK;

	/* A family without networks has only the boundary (0, none). */
	if (bv->n <= 1 && (bv->n == 0 || bv->v[0].route == 0))
		return MP_OK;
	npages = (bv->n + MP_ROUTE_PAGE - 1) / MP_ROUTE_PAGE;
	if ((idx = malloc(npages * w)) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	key[0] = 'P';
	key[1] = fam == 4 ? '4' : '6';
	for (i = 0; i < npages && rc == MP_OK; i++) {
		size_t first = i * MP_ROUTE_PAGE, n = bv->n - first;

		if (n > MP_ROUTE_PAGE)
			n = MP_ROUTE_PAGE;
		len = build_page(page, fam, bv->v + first, n, rt);
		if (fam == 4)
			mp_put_u32(idx + i * w, (uint32_t)bv->v[first].start);
		else
			mp_put_u128(idx + i * w, bv->v[first].start);
		mp_put_u32(key + 2, (uint32_t)i);
		rc = store(db, key, sizeof(key), page, len, err);
	}
	if (rc == MP_OK)
		rc = store(db, fam == 4 ? "I4" : "I6", 2, idx, npages * w, err);
	free(idx);
	if (fam == 4) {
		cnt->intervals4 = bv->n;
		cnt->pages4 = npages;
	} else {
		cnt->intervals6 = bv->n;
		cnt->pages6 = npages;
	}
	return rc;
}

static int
asn_cmp(const void *a, const void *b)
{
	const struct asn *x = a, *y = b;

	if (x->asn != y->asn)
		return x->asn < y->asn ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

static int
write_asns(struct mp_routec *c, GDBM_FILE db, struct routes *rt, struct mp_error *err)
{
	size_t i = 0, j;
	int rc = MP_OK;

	if (c->nasn > 0)
		qsort(c->asns, c->nasn, sizeof(*c->asns), asn_cmp);
	while (i < c->nasn && rc == MP_OK) {
		struct chain ch;
		char key[16];
		int n;

		memset(&ch, 0, sizeof(ch));
		ch.org = ch.interm = -1;
		ch.objname = "aut-num";
		for (j = i; j < c->nasn && c->asns[j].asn == c->asns[i].asn; j++) {
			const struct asn *a = &c->asns[j];

			if (a->kind == K_ENT && c->ent[a->ref].is_interm)
				ch.interm = (int)a->ref;
			else if (a->kind == K_ENT)
				ch.org = (int)a->ref;
			else if (ch.mbox == 0)
				ch.mbox = ripe_abuse(c, a->ref, a->org, &ch.handle, &ch.rorg);
		}
		snprintf(ch.org_m, sizeof(ch.org_m), "AS%u", c->asns[i].asn);
		snprintf(ch.int_m, sizeof(ch.int_m), "AS%u", c->asns[i].asn);
		snprintf(ch.abuse_m, sizeof(ch.abuse_m), "AS%u", c->asns[i].asn);
		snprintf(ch.abuse_src, sizeof(ch.abuse_src), "AS%u", c->asns[i].asn);
		if ((rc = compose(c, &ch, &rt->b)) != MP_OK)
			return mp_error_set(err, rc, "out of memory");
		if (rt->b.len > 0) {
			n = snprintf(key, sizeof(key), "A%u", c->asns[i].asn);
			rc = store(db, key, (size_t)n, rt->b.data, rt->b.len, err);
			c->counts.asn_keys++;
		}
		i = j;
	}
	return rc;
}

/* The closest domain at or above d (an interned id) with a given info field. */
static uint32_t
closest(struct mp_routec *c, const char *d, int which)
{
	const char *p = d;

	for (;;) {
		uint32_t id = strtab_id(&c->s, p, strlen(p), 0);

		if (id != 0 && id < c->ninfo) {
			const struct strinfo *in = &c->info[id];

			if ((which == 0 && in->dom_ent && !c->ent[in->dom_ent - 1].is_interm) ||
			    (which == 1 && in->dom_ent && c->ent[in->dom_ent - 1].is_interm) ||
			    (which == 2 && in->dom_sec))
				return id;
		}
		if ((p = strchr(p, '.')) == NULL)
			return 0;
		p++;
	}
}

static int
write_domains(struct mp_routec *c, GDBM_FILE db, struct routes *rt, struct mp_error *err)
{
	char key[1 + MP_DOMAIN_MAX + 1];
	uint32_t id;
	int rc = MP_OK;

	for (id = 1; id <= c->s.n && rc == MP_OK; id++) {
		const struct strinfo *in = &c->info[id];
		const char *d = c->s.str[id];
		uint32_t o, m, s;
		struct chain ch;
		size_t n;

		if (in->reporter != 0) {
			/* "auth TAB disclose TAB name" (route_fmt.h) */
			char rv[16 + MP_REPORTER_NAME_MAX];
			int rn;

			key[0] = 'K';
			n = strlen(d);
			memcpy(key + 1, d, n);
			rn = snprintf(rv, sizeof(rv), "%s\t%s\t%s",
			    mp_reporter_auth_name(in->reporter),
			    mp_disclose_name((enum mp_disclose)in->rep_disclose),
			    in->rep_name != 0 ? c->s.str[in->rep_name] : "");
			rc = store(db, key, n + 1, rv, (size_t)rn, err);
			c->counts.reporter_keys++;
		}
		if ((in->dom_ent == 0 && in->dom_sec == 0) || rc != MP_OK)
			continue;
		memset(&ch, 0, sizeof(ch));
		ch.org = ch.interm = -1;
		if ((o = closest(c, d, 0)) != 0) {
			ch.org = (int)c->info[o].dom_ent - 1;
			snprintf(ch.org_m, sizeof(ch.org_m), "%s", c->s.str[o]);
		}
		if ((m = closest(c, d, 1)) != 0) {
			ch.interm = (int)c->info[m].dom_ent - 1;
			snprintf(ch.int_m, sizeof(ch.int_m), "%s", c->s.str[m]);
		}
		/* The domain's own security.txt (or its parent's) before the org's. */
		if ((s = closest(c, d, 2)) != 0 && (o == 0 || strlen(c->s.str[s]) >= strlen(c->s.str[o])))
			ch.sec_dom = s;
		else if (o == 0)
			ch.sec_dom = s;
		if ((rc = compose(c, &ch, &rt->b)) != MP_OK)
			return mp_error_set(err, rc, "out of memory");
		key[0] = 'D';
		n = strlen(d);
		memcpy(key + 1, d, n);
		rc = store(db, key, n + 1, rt->b.data, rt->b.len, err);
		c->counts.domain_keys++;
	}
	return rc;
}

static int
resolve_interm(struct mp_routec *c)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < c->nent; i++) {
		struct entity *e = &c->ent[i];
		uint32_t x;

		if (e->interm_id == 0)
			continue;
		x = c->info[e->interm_id].ent;
		if (x == 0 || !c->ent[x - 1].is_interm) {
			cwarn(c, "%s:%u: organisation %s names intermediary \"%s\", which is not defined",
			    str(c, e->file), e->line, str(c, e->id), str(c, e->interm_id));
			c->counts.errors++;
			bad++;
			continue;
		}
		e->interm = (int)x - 1;
	}
	return bad;
}

static int
write_all(struct mp_routec *c, GDBM_FILE db, struct mp_error *err)
{
	struct routes rt;
	struct bvec bv[2];
	char meta[512];
	uint32_t id;
	int rc = MP_OK, fam, n;

	memset(&rt, 0, sizeof(rt));
	memset(bv, 0, sizeof(bv));
	mp_buf_init(&rt.b, 0);
	resolve_interm(c);
	c->counts.prefixes4 = c->nets[0].n;
	c->counts.prefixes6 = c->nets[1].n;
	for (fam = 4; fam <= 6 && rc == MP_OK; fam += 2) {
		if ((rc = sweep(c, &rt, fam, &bv[fam == 4 ? 0 : 1])) != MP_OK)
			mp_error_set(err, rc, "out of memory");
		else
			rc = write_pages(db, fam, &bv[fam == 4 ? 0 : 1], &rt, &c->counts, err);
	}
	for (id = 1; id <= rt.t.n && rc == MP_OK; id++) {
		unsigned char key[5];

		key[0] = 'R';
		mp_put_u32(key + 1, id);
		rc = store(db, key, sizeof(key), rt.t.str[id], strlen(rt.t.str[id]), err);
	}
	c->counts.routes = rt.t.n;
	if (rc == MP_OK)
		rc = write_asns(c, db, &rt, err);
	if (rc == MP_OK)
		rc = write_domains(c, db, &rt, err);
	if (rc == MP_OK) {
		n = snprintf(meta, sizeof(meta), "%sroutes %zu\nprefixes4 %zu\nprefixes6 %zu\n"
		    "asns %zu\ndomains %zu\nreporters %zu\n", MP_ROUTE_MAGIC, c->counts.routes,
		    c->counts.prefixes4, c->counts.prefixes6, c->counts.asn_keys,
		    c->counts.domain_keys, c->counts.reporter_keys);
		rc = store(db, "M", 1, meta, (size_t)n, err);
	}
	free(bv[0].v);
	free(bv[1].v);
	strtab_free(&rt.t);
	mp_buf_free(&rt.b);
	return rc;
}

static int
fsync_path(const char *path, int dir)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
mp_routec_write(struct mp_routec *c, const char *path, struct mp_error *err)
{
	char tmp[4096], dir[4096];
	const char *slash;
	GDBM_FILE db;
	int rc, cache = 4096;

	if (snprintf(tmp, sizeof(tmp), "%s.new.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return mp_error_set(err, MP_EINPUT, "path too long: %s", path);
	unlink(tmp);
	db = gdbm_open(tmp, 0, GDBM_NEWDB | GDBM_NOLOCK, 0644, NULL);
	if (db == NULL)
		return mp_error_set(err, MP_EIO, "%s: cannot create: %s", tmp,
		    gdbm_strerror(gdbm_errno));
	gdbm_setopt(db, GDBM_SETCACHESIZE, &cache, sizeof(cache));
	rc = write_all(c, db, err);
	if (rc == MP_OK && gdbm_sync(db) != 0)
		rc = mp_error_set(err, MP_EIO, "%s: %s", tmp, gdbm_db_strerror(db));
	if (gdbm_close(db) != 0 && rc == MP_OK)
		rc = mp_error_set(err, MP_EIO, "%s: %s", tmp, gdbm_strerror(gdbm_errno));
	/* 0644 whatever the caller's umask: the milter (another user, or
	 * root compiling for it) must read it; nothing in it is secret. */
	if (rc == MP_OK && chmod(tmp, 0644) != 0)
		rc = mp_error_set(err, MP_EIO, "%s: chmod 0644: %s", tmp, strerror(errno));
	if (rc == MP_OK && fsync_path(tmp, 0) != 0)
		rc = mp_error_set(err, MP_EIO, "%s: fsync: %s", tmp, strerror(errno));
	if (rc == MP_OK && rename(tmp, path) != 0)
		rc = mp_error_set(err, MP_EIO, "rename %s to %s: %s", tmp, path, strerror(errno));
	if (rc != MP_OK) {
		unlink(tmp);
		return rc;
	}
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path + (slash == path)) : 1,
	    slash ? path : ".");
	fsync_path(dir, 1);
	return MP_OK;
}
