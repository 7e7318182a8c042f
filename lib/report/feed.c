/*
 * feed - the list model: arena, cells, the column mapping shared by the
 * formats, and the output helper mp_feed_defang()
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "feed_int.h"
#include "report_int.h"
#include "text.h"

#define ARENA_BLOCK	(256u * 1024)

struct mp_feed_arena {
	struct mp_feed_arena *next;
	size_t used, size;
	char data[];
};

void
mp_feed_limits_default(struct mp_feed_limits *lim)
{
	lim->max_bytes = MP_FEED_MAX_BYTES;
	lim->max_rows = MP_FEED_MAX_ROWS;
	lim->max_columns = MP_FEED_MAX_COLUMNS;
	lim->max_field = MP_FEED_MAX_FIELD;
	lim->max_zip_entries = MP_FEED_MAX_ZIP_ENTRIES;
	lim->max_zip_size = MP_FEED_MAX_ZIP_SIZE;
	lim->max_zip_ratio = MP_FEED_MAX_ZIP_RATIO;
	lim->max_items = MP_FEED_MAX_ITEMS;
}

static void *
arena_alloc(struct mp_feed_arena **head, size_t n)
{
	struct mp_feed_arena *a = *head;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (a == NULL || a->size - a->used < n) {
		/* Blocks double up to 4 MiB: few allocations for big tables. */
		size_t size = a == NULL ? ARENA_BLOCK : a->size < (4u << 20) ?
		    a->size * 2 : a->size;

		if (size < n)
			size = n;

		if ((a = malloc(sizeof(*a) + size)) == NULL)
			return NULL;
		a->used = 0;
		a->size = size;
		a->next = *head;
		*head = a;
	}
	p = a->data + a->used;
	a->used += n;
	return p;
}

void *
mp_fa_alloc(struct mp_feed *f, size_t n)
{
	return arena_alloc(f->scratch ? &f->scratch_arena : &f->arena, n);
}

static void
arena_free(struct mp_feed_arena **head)
{
	struct mp_feed_arena *a, *next;

	for (a = *head; a != NULL; a = next) {
		next = a->next;
		free(a);
	}
	*head = NULL;
}

void
mp_fa_scratch_reset(struct mp_feed *f)
{
	struct mp_feed_arena *a = f->scratch_arena;

	/* Keep the oldest block: one row rarely needs more. */
	while (a != NULL && a->next != NULL) {
		f->scratch_arena = a->next;
		free(a);
		a = f->scratch_arena;
	}
	if (a != NULL)
		a->used = 0;
}

char *
mp_fa_strndup(struct mp_feed *f, const char *s, size_t n)
{
	char *p = mp_fa_alloc(f, n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *
mp_fa_strdup(struct mp_feed *f, const char *s)
{
	return s == NULL ? NULL : mp_fa_strndup(f, s, strlen(s));
}

char *
mp_fa_printf(struct mp_feed *f, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return mp_fa_strdup(f, buf);
}

char *
mp_fa_text(struct mp_feed *f, const char *s, int *oom)
{
	char *t, *p;
	size_t n;

	*oom = 0;
	if (s == NULL || *s == '\0')
		return NULL;
	/* Already safe (printable ASCII, trimmed, single spaces): copy. */
	for (n = 0; s[n] > ' ' && s[n] < 0x7f ? 1 : s[n] == ' ' && n > 0 &&
	    s[n - 1] != ' ' && s[n + 1] != '\0'; n++)
		;
	if (s[n] == '\0' && n <= MP_REPORT_MAX_VALUE) {
		if ((p = mp_fa_strndup(f, s, n)) == NULL)
			*oom = 1;
		return p;
	}
	if ((t = mp_rpt_text(s, strlen(s), oom)) == NULL)
		return NULL;
	p = mp_fa_strdup(f, t);
	free(t);
	if (p == NULL)
		*oom = 1;
	return p;
}

struct mp_feed *
mp_feed_new(enum mp_feed_kind kind, struct mp_error *err)
{
	struct mp_feed *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		mp_error_set(err, MP_ENOMEM, "out of memory");
		return NULL;
	}
	f->kind = kind;
	return f;
}

void
mp_feed_free(struct mp_feed **fp)
{
	struct mp_feed *f;
	if (fp == NULL || (f = *fp) == NULL)
		return;
	arena_free(&f->arena);
	arena_free(&f->scratch_arena);
	free(f->rows);
	free(f->columns);
	free(f);
	*fp = NULL;
}

long
mp_feed_column(const struct mp_feed *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->ncolumns; i++)
		if (strcasecmp(f->columns[i], name) == 0)
			return (long)i;
	return -1;
}

long
mp_feed_column_any(const struct mp_feed *f, const char *names)
{
	char buf[64];
	const char *p = names, *e;
	long c;

	while (*p != '\0') {
		e = strchr(p, '|');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) < sizeof(buf)) {
			memcpy(buf, p, (size_t)(e - p));
			buf[e - p] = '\0';
			if ((c = mp_feed_column(f, buf)) >= 0)
				return c;
		}
		p = *e ? e + 1 : e;
	}
	return -1;
}

const char *
mp_feed_cell(const struct mp_feed_row *row, size_t col)
{
	const char *p = row->cells;
	size_t i;

	if (p == NULL || col >= row->ncells)
		return "";
	for (i = 0; i < col; i++)
		p += strlen(p) + 1;
	return p;
}

void
mp_feed_invalid(struct mp_feed *f, struct mp_feed_row *row,
    const char *reason)
{
	if (row->state == MP_ROW_INVALID)
		return;
	row->state = MP_ROW_INVALID;
	row->reason = reason != NULL ? reason : "out of memory";
	if (f->nvalid > 0)
		f->nvalid--;
	f->ninvalid++;
}

static int
plain_number(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return *s == '\0';
}

char *
mp_feed_defang(const char *in, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t start;

	if (size == 0)
		return out;
	out[0] = '\0';
	if (in == NULL)
		return out;
	/* The formula test looks at what a reader sees first: leading
	 * blanks and control characters go (mp_text_printable_to drops
	 * them too). */
	while (*s != '\0' && (*s <= ' ' || *s == 0x7f))
		s++;
	in = (const char *)s;
	start = (in[0] == '=' || in[0] == '+' || in[0] == '-' ||
	    in[0] == '@') && !plain_number(in) && size > 1 ? 1 : 0;
	if (start)
		out[0] = '\'';
	mp_text_printable_to(in, strlen(in), out + start, size - start);
	return out;
}

/* ---- the column mapping ---- */

static int
days_from_civil(int y, unsigned m, unsigned d, long long *days)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int era;
	unsigned yoe, doy, doe;

	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*days = (long long)era * 146097 + (long long)doe - 719468;
	return 0;
}

static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* "YYYY-MM-DD[ T]HH:MM[:SS][.frac][Z|+00|+00:00| UTC]" as UTC; else -1. */
static int
fast_time(const char *s, time_t *t)
{
	int y, mo, d, h, mi, sec = 0;
	long long days;

	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	s += 10;
	h = mi = 0;
	if (*s == ' ' || *s == 'T') {
		if (digits(s + 1, 2, &h) || s[3] != ':' || digits(s + 4, 2, &mi))
			return -1;
		s += 6;
		if (*s == ':') {
			if (digits(s + 1, 2, &sec))
				return -1;
			s += 3;
		}
		if (*s == '.')
			for (s++; isdigit((unsigned char)*s); s++)
				;
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (strcmp(s, "+00") == 0 || strcmp(s, "+00:00") == 0 ||
	    strcmp(s, "+0000") == 0)
		s += strlen(s);
	else if (strcasecmp(s, " UTC") == 0)
		s += 4;
	if (*s != '\0' || h > 23 || mi > 59 || sec > 60 ||
	    days_from_civil(y, (unsigned)mo, (unsigned)d, &days) != 0)
		return -1;
	*t = (time_t)(days * 86400 + h * 3600 + mi * 60 + sec);
	return *t >= 0 ? 0 : -1;
}

static int
empty(const char *s)
{
	return *s == '\0' || (s[0] == '-' && s[1] == '\0');
}

static const char *
bad(struct mp_feed *f, const char *col, const char *what, const char *v)
{
	char q[80];

	return mp_fa_printf(f, "%s is not %s: \"%s\"", col, what,
	    mp_rpt_quote(v, q, sizeof(q)));
}

static int
host_ok(const char *s)
{
	size_t n = strlen(s), i, label = 0;
	int dot = 0;

	if (n == 0 || n > 253 || mp_rpt_is_ip(s))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			dot = 1;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return dot;
}

static int
is_cve(const char *s, size_t n)
{
	size_t i;

	if (n < 13 || strncasecmp(s, "CVE-", 4) != 0 || s[8] != '-')
		return 0;
	for (i = 4; i < n; i++)
		if (i != 8 && !isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Split `v` on ',' and ';' into tags (joined with ',') and CVEs. */
static int
split_tags(struct mp_feed *f, const char *v, char *tags, size_t tsize,
    char *cves, size_t csize)
{
	const char *p = v, *e, *b;
	size_t tl = strlen(tags), cl = strlen(cves), n, i;

	while (*p != '\0') {
		e = p + strcspn(p, ",;");
		b = p;
		while (b < e && isspace((unsigned char)*b))
			b++;
		n = (size_t)(e - b);
		while (n > 0 && isspace((unsigned char)b[n - 1]))
			n--;
		if (n > 0) {
			if (is_cve(b, n)) {
				if (cl + n + 2 < csize) {
					if (cl > 0)
						cves[cl++] = ',';
					for (i = 0; i < n; i++)
						cves[cl++] = (char)toupper(
						    (unsigned char)b[i]);
					cves[cl] = '\0';
				}
			}
			if (tl + n + 2 < tsize) {
				if (tl > 0)
					tags[tl++] = ',';
				memcpy(tags + tl, b, n);
				tl += n;
				tags[tl] = '\0';
			}
		}
		p = *e ? e + 1 : e;
	}
	(void)f;
	return 0;
}

static enum mp_report_type
type_by_name(const char *s, int *found)
{
	unsigned t;

	for (t = 0; t < MP_TYPE_COUNT; t++)
		if (strcasecmp(s, mp_report_type_name((enum mp_report_type)t))
		    == 0) {
			*found = 1;
			return (enum mp_report_type)t;
		}
	*found = 0;
	return MP_TYPE_OTHER;
}

#define CELL(i)	((size_t)(i) < row->ncells ? cell[i] : "")

int
mp_feed_fill_row(struct mp_feed *f, struct mp_feed_row *row,
    const struct mp_feed_fill *fl, const char *const *cell)
{
	const struct mp_feed_cols *c = &fl->cols;
	const char *service = fl->service;
	int per_row_type = fl->per_row_type;
	struct mp_report *r = &row->r;
	char tags[1024], cves[512], ipbuf[INET6_ADDRSTRLEN];
	mp_u128 ipa;
	const char *v;
	unsigned long n;
	char *end;
	int oom, fam;

	r->type = f->type;
	r->type_detail = (char *)f->name;
	r->service = (char *)service;
	r->reporter_addr = (char *)f->reporter_addr;
	r->reporter_org = (char *)f->reporter_org;
	r->report_id = (char *)(f->case_ref ? f->case_ref : f->report_id);
	r->reported_at = f->report_date;

	/* The address: required. */
	v = c->ip >= 0 ? CELL(c->ip) : "";
	while (*v == ' ')
		v++;
	if (*v == '\0') {
		mp_feed_invalid(f, row, mp_fa_printf(f, "%s is empty",
		    f->columns[c->ip]));
		return MP_OK;
	}
	/* The one IP parser (addr.h), with the report parser's reading: an
	 * IPv4-mapped address routes as the IPv4 address it is. */
	if (mp_ip_parse_as(v, strlen(v), MP_IP_LITERAL | MP_IP_UNMAP, &ipa,
	    &fam) != MP_OK) {
		mp_feed_invalid(f, row, bad(f, f->columns[c->ip],
		    "an address", v));
		return MP_OK;
	}
	mp_ip_format(ipa, fam, ipbuf, sizeof(ipbuf));
	if ((r->source_ip = mp_fa_strdup(f, ipbuf)) == NULL)
		return MP_ENOMEM;

	if (c->port >= 0 && !empty(v = CELL(c->port))) {
		n = strtoul(v, &end, 10);
		if (!isdigit((unsigned char)*v) || *end != '\0' || n > 65535) {
			mp_feed_invalid(f, row, bad(f, f->columns[c->port],
			    "a port number", v));
			return MP_OK;
		}
		r->service_port = (int)n;
		r->source_port = (int)n;
	}
	if (c->src_port >= 0 &&
	    !empty(v = CELL(c->src_port))) {
		n = strtoul(v, &end, 10);
		if (!isdigit((unsigned char)*v) || *end != '\0' || n > 65535) {
			mp_feed_invalid(f, row, bad(f, f->columns[c->src_port],
			    "a port number", v));
			return MP_OK;
		}
		r->source_port = (int)n;
	}
	if (c->asn >= 0 && !empty(v = CELL(c->asn))) {
		const char *d = strncasecmp(v, "AS", 2) == 0 ? v + 2 : v;

		n = strtoul(d, &end, 10);
		if (!isdigit((unsigned char)*d) || *end != '\0' ||
		    n > 4294967295UL) {
			mp_feed_invalid(f, row, bad(f, f->columns[c->asn],
			    "an AS number", v));
			return MP_OK;
		}
		r->asn = (uint32_t)n;
	}
	if (c->timestamp >= 0 &&
	    !empty(v = CELL(c->timestamp))) {
		time_t t;
		struct mp_error e;

		if (fast_time(v, &t) != 0 &&
		    mp_rpt_date(v, &t, "timestamp", &e) != MP_OK) {
			mp_feed_invalid(f, row, bad(f,
			    f->columns[c->timestamp], "a date", v));
			return MP_OK;
		}
		r->first_seen = r->last_seen = t;
	}
	if (c->hostname >= 0 &&
	    host_ok(v = CELL(c->hostname))) {
		char *h;
		size_t i, len = strlen(v);

		if (len > 1 && v[len - 1] == '.')
			len--;
		if ((h = mp_fa_strndup(f, v, len)) == NULL)
			return MP_ENOMEM;
		for (i = 0; i < len; i++)
			h[i] = (char)tolower((unsigned char)h[i]);
		r->domain = h;
	}
	if (c->url >= 0) {
		v = CELL(c->url);
		if (strncasecmp(v, "http://", 7) == 0 ||
		    strncasecmp(v, "https://", 8) == 0) {
			r->url = mp_fa_text(f, v, &oom);
			if (oom)
				return MP_ENOMEM;
		}
	}
	if (c->protocol >= 0) {
		row->protocol = mp_fa_text(f, CELL(c->protocol), &oom);
		if (oom)
			return MP_ENOMEM;
	}
	if (c->severity >= 0) {
		row->severity = mp_fa_text(f, CELL(c->severity), &oom);
		if (oom)
			return MP_ENOMEM;
	}
	tags[0] = cves[0] = '\0';
	if (c->tag >= 0)
		split_tags(f, CELL(c->tag), tags,
		    sizeof(tags), cves, sizeof(cves));
	if (c->cve >= 0) {
		char t2[1024];

		t2[0] = '\0';
		split_tags(f, CELL(c->cve), t2,
		    sizeof(t2), cves, sizeof(cves));
	}
	if (tags[0] != '\0') {
		row->tags = mp_fa_text(f, tags, &oom);
		if (oom)
			return MP_ENOMEM;
	}
	if (cves[0] != '\0' && (row->cves = mp_fa_strdup(f, cves)) == NULL)
		return MP_ENOMEM;
	if (per_row_type && c->type >= 0 &&
	    *(v = CELL(c->type)) != '\0') {
		int found;
		enum mp_report_type t = type_by_name(v, &found);

		if (found)
			r->type = t;
		r->type_detail = mp_fa_text(f, v, &oom);
		if (oom)
			return MP_ENOMEM;
	}
	if (c->infection >= 0 &&
	    *(v = CELL(c->infection)) != '\0') {
		char buf[256];

		snprintf(buf, sizeof(buf), "%s: %s", f->name, v);
		r->type_detail = mp_fa_text(f, buf, &oom);
		if (oom)
			return MP_ENOMEM;
	}
	return MP_OK;
}
