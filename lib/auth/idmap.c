/*
 * idmap - see idmap.h
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"
#include "readfile.h"
#include "idmap.h"

struct idm_user {
	char *user;
	size_t nv;
	char **v;		/* "a@b" or "@domain", lower case */
	size_t line;
};

struct mp_identity_map {
	size_t n;
	struct idm_user *u;	/* sorted by user for bsearch */
};

static int
idm_cmp(const void *a, const void *b)
{
	return strcmp(((const struct idm_user *)a)->user, ((const struct idm_user *)b)->user);
}

static void
idm_user_free(struct idm_user *u)
{
	size_t i;

	for (i = 0; i < u->nv; i++)
		free(u->v[i]);
	free(u->v);
	free(u->user);
}

void
mp_identity_map_free(struct mp_identity_map **mp)
{
	size_t i;

	if (*mp == NULL)
		return;
	for (i = 0; i < (*mp)->n; i++)
		idm_user_free(&(*mp)->u[i]);
	free((*mp)->u);
	free(*mp);
	*mp = NULL;
}

/* One value: an address or "@domain", normalized into a new string. */
static int
idm_value(const char *tok, size_t n, char **out, const char *name, size_t line,
    struct mp_error *err)
{
	char tmp[MP_ADDR_MAX + 2], norm[MP_ADDR_MAX + 2];
	size_t i;

	if (n > MP_ADDR_MAX)
		return mp_error_set(err, MP_ELIMIT, "%s:%zu: value longer than %d bytes (limit)",
		    name, line, MP_ADDR_MAX);
	memcpy(tmp, tok, n);
	tmp[n] = '\0';
	if (strpbrk(tmp, "<>\"") != NULL)
		return mp_error_set(err, MP_EINPUT,
		    "%s:%zu: \"%s\" is neither an address nor @domain (no <> or quotes)",
		    name, line, tmp);
	if (tmp[0] == '@') {
		for (i = 0; tmp[i]; i++)
			norm[i] = (char)tolower((unsigned char)tmp[i]);
		norm[i] = '\0';
		if (!mp_domain_valid(norm + 1))
			return mp_error_set(err, MP_EINPUT, "%s:%zu: \"%s\" is not @domain",
			    name, line, tmp);
	} else if (mp_addr_normalize(tmp, norm, sizeof(norm)) != 0 || norm[0] == '\0' ||
	    !mp_domain_valid(mp_addr_domain(norm)))
		return mp_error_set(err, MP_EINPUT,
		    "%s:%zu: \"%s\" is neither an address nor @domain", name, line, tmp);
	*out = strdup(norm);
	return *out ? 0 : mp_error_set(err, MP_ENOMEM, "%s: out of memory", name);
}

static int
idm_line(struct mp_identity_map *m, const char *name, size_t line, const char *p,
    const char *e, struct mp_error *err)
{
	struct idm_user u = { 0 };
	const char *s;
	char **nv;
	size_t i;
	int rc = 0;

	for (s = p; s < e; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return mp_error_set(err, MP_EINPUT, "%s:%zu: control character in the line",
			    name, line);
	for (s = p; s < e && *s != '#'; s++)	/* comment to the end of the line */
		;
	e = s;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (p == e)
		return 0;
	for (s = p; s < e && *s != ' ' && *s != '\t' && *s != ','; s++)
		;
	if ((size_t)(s - p) > MP_IDMAP_USER_MAX)
		return mp_error_set(err, MP_ELIMIT, "%s:%zu: user name longer than %d bytes (limit)",
		    name, line, MP_IDMAP_USER_MAX);
	u.user = strndup(p, (size_t)(s - p));
	u.line = line;
	if (u.user == NULL)
		return mp_error_set(err, MP_ENOMEM, "%s: out of memory", name);
	for (p = s; rc == 0 && p < e;) {
		while (p < e && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		if (p == e)
			break;
		for (s = p; s < e && *s != ' ' && *s != '\t' && *s != ','; s++)
			;
		if (u.nv == MP_IDMAP_MAX_VALUES) {
			rc = mp_error_set(err, MP_ELIMIT, "%s:%zu: more than %d values for %s (limit)",
			    name, line, MP_IDMAP_MAX_VALUES, u.user);
			break;
		}
		nv = realloc(u.v, (u.nv + 1) * sizeof(*nv));
		if (nv == NULL) {
			rc = mp_error_set(err, MP_ENOMEM, "%s: out of memory", name);
			break;
		}
		u.v = nv;
		rc = idm_value(p, (size_t)(s - p), &u.v[u.nv], name, line, err);
		if (rc == 0)
			u.nv++;
		p = s;
	}
	if (rc == 0 && u.nv == 0)
		rc = mp_error_set(err, MP_EINPUT,
		    "%s:%zu: user %s has no address or @domain after it", name, line, u.user);
	if (rc == 0 && m->n == MP_IDMAP_MAX_USERS)
		rc = mp_error_set(err, MP_ELIMIT, "%s:%zu: more than %d users (limit)",
		    name, line, MP_IDMAP_MAX_USERS);
	if (rc == 0) {
		struct idm_user *nu = realloc(m->u, (m->n + 1) * sizeof(*nu));

		if (nu == NULL)
			rc = mp_error_set(err, MP_ENOMEM, "%s: out of memory", name);
		else {
			m->u = nu;
			m->u[m->n++] = u;
			return 0;
		}
	}
	for (i = 0; i < u.nv; i++)
		free(u.v[i]);
	free(u.v);
	free(u.user);
	return rc;
}

struct mp_identity_map *
mp_identity_map_parse(const char *name, const char *text, size_t len,
    struct mp_error *err)
{
	struct mp_identity_map *m;
	const char *p = text, *e = text + len, *nl, *le;
	size_t line = 0, i;

	if (len > MP_IDMAP_MAX)
		return mp_error_set(err, MP_ELIMIT, "%s: larger than %d bytes (limit)", name,
		    MP_IDMAP_MAX), NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return mp_error_set(err, MP_ENOMEM, "%s: out of memory", name), NULL;
	for (; p < e; p = nl + 1) {
		line++;
		nl = memchr(p, '\n', (size_t)(e - p));
		if (nl == NULL)
			nl = e;
		le = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
		if ((size_t)(le - p) > MP_IDMAP_LINE_MAX) {
			mp_error_set(err, MP_ELIMIT, "%s:%zu: line longer than %d bytes (limit)",
			    name, line, MP_IDMAP_LINE_MAX);
			goto fail;
		}
		if (idm_line(m, name, line, p, le, err) != 0)
			goto fail;
		if (nl == e)
			break;
	}
	if (m->n > 1)
		qsort(m->u, m->n, sizeof(*m->u), idm_cmp);
	for (i = 1; i < m->n; i++)
		if (strcmp(m->u[i - 1].user, m->u[i].user) == 0) {
			size_t a = m->u[i - 1].line, b = m->u[i].line;

			mp_error_set(err, MP_EINPUT, "%s:%zu: user %s is already listed at line %zu",
			    name, a > b ? a : b, m->u[i].user, a < b ? a : b);
			goto fail;
		}
	return m;
fail:
	mp_identity_map_free(&m);
	return NULL;
}

struct mp_identity_map *
mp_identity_map_load(const char *path, struct mp_error *err)
{
	struct mp_identity_map *k = NULL;
	struct mp_buf b;

	if (mp_read_file(path, MP_IDMAP_MAX, &b, err) == 0)
		k = mp_identity_map_parse(path, b.data != NULL ? b.data : "", b.len, err);
	mp_buf_free(&b);
	return k;
}

size_t
mp_identity_map_count(const struct mp_identity_map *m)
{
	return m->n;
}

enum mp_lookup
mp_identity_map_allows(const struct mp_identity_map *m, const char *user,
    const char *addr)
{
	struct idm_user key = { .user = (char *)(uintptr_t)user }, *u;
	const char *dom = mp_addr_domain(addr);
	size_t i;

	if (m == NULL || user == NULL || *addr == '\0')
		return MP_NOTFOUND;
	u = bsearch(&key, m->u, m->n, sizeof(*m->u), idm_cmp);
	if (u == NULL)
		return MP_NOTFOUND;
	for (i = 0; i < u->nv; i++) {
		if (u->v[i][0] == '@' ? strcasecmp(u->v[i] + 1, dom) == 0
		    : strcasecmp(u->v[i], addr) == 0)
			return MP_FOUND;
	}
	return MP_NOTFOUND;
}

int
mp_identity_map_has_user(const struct mp_identity_map *m, const char *user)
{
	struct idm_user key = { .user = (char *)(uintptr_t)user };

	return m != NULL && bsearch(&key, m->u, m->n, sizeof(*m->u), idm_cmp) != NULL;
}

