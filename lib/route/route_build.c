/*
 * route_build - see route_build.h
 *
 * This file holds the model (route_build_int.h) and the helpers the
 * importers share; the source format, the importers, the resolver and
 * the writer are route_src.c, route_import.c, route_resolve.c and
 * route_write.c.
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
#include "route_build_int.h"

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
uint32_t
rb_strtab_id(struct strtab *t, const char *s, size_t n, int add)
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

void
rb_strtab_free(struct strtab *t)
{
	uint32_t i;

	for (i = 1; i <= t->n; i++)
		free(t->str[i]);
	free(t->str);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

void
rb_cwarn(struct mp_routec *c, const char *fmt, ...)
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

void *
rb_grow(void *v, size_t *size, size_t need, size_t elem)
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
	uint32_t id = rb_strtab_id(&c->s, s, n, 1);

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

uint32_t
rb_sidz(struct mp_routec *c, const char *s)
{
	return sid(c, s, strlen(s));
}

/* Upper-cased handle id (RIPE handles compare case-insensitively). */
uint32_t
rb_handle_id(struct mp_routec *c, const char *s)
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
	free(c->pol);
	free(c->nets[0].v);
	free(c->nets[1].v);
	free(c->asns);
	free(c->info);
	free(c->obj);
	rb_strtab_free(&c->s);
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

	if ((p = rb_grow(nv->v, &nv->size, nv->n + 1, sizeof(*p))) == NULL)
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

int
rb_add_asn(struct mp_routec *c, uint32_t asn, int kind, uint32_t ref, uint32_t org)
{
	struct asn *p;

	if ((p = rb_grow(c->asns, &c->sizeasn, c->nasn + 1, sizeof(*p))) == NULL)
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
	uint32_t a = abuse_c ? rb_handle_id(c, abuse_c) : 0;
	uint32_t o = org ? rb_handle_id(c, org) : 0;

	return add_net(c, fam, start, len, K_RIPE, a, o);
}

int
mp_routec_add_role(struct mp_routec *c, const char *nic_hdl, const char *mailbox)
{
	uint32_t h = rb_handle_id(c, nic_hdl), m;

	if (h == 0 || (m = rb_sidz(c, mailbox)) == 0)
		return MP_ENOMEM;
	c->info[h].role_mbox = m;
	return MP_OK;
}

/* ---- parsing helpers shared by the importers ---- */

int
rb_parse_asn(const char *v, uint32_t *asn)
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
int
rb_add_network_text(struct mp_routec *c, const char *v, int kind, uint32_t ref,
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
