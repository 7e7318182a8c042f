/*
 * feed_msg - one message, every report in it: a single incident (as
 * mp_report_parse() always did), the list attachments, each message of
 * a digest, or a link-only report. Nothing here fetches a URL.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feed_int.h"
#include "text.h"
#include "report_int.h"

#define LINK_SCAN_MAX	(64u * 1024)

const char *
mp_item_kind_name(enum mp_item_kind k)
{
	switch (k) {
	case MP_ITEM_REPORT:	return "report";
	case MP_ITEM_FEED:	return "feed";
	case MP_ITEM_LINK_ONLY:	return "link-only";
	case MP_ITEM_REFUSED:	return "refused";
	}
	return "unknown";
}

void
mp_report_set_free(struct mp_report_set **sp)
{
	struct mp_report_set *s;
	size_t i;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		mp_report_free(&s->items[i].report);
		mp_feed_free(&s->items[i].feed);
		free(s->items[i].link);
		free(s->items[i].why);
	}
	free(s->items);
	free(s);
	*sp = NULL;
}

static struct mp_report_item *
add(struct mp_report_set *s, const struct mp_feed_limits *lim,
    enum mp_item_kind kind, struct mp_error *err)
{
	struct mp_report_item *it;

	if (s->n >= lim->max_items) {
		mp_error_set(err, MP_ELIMIT, "message holds more than %zu "
		    "reports (limit)", lim->max_items);
		return NULL;
	}
	if ((it = realloc(s->items, (s->n + 1) * sizeof(*it))) == NULL) {
		mp_error_set(err, MP_ENOMEM, "out of memory");
		return NULL;
	}
	s->items = it;
	it = &s->items[s->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	return it;
}

static const char *
filename_of(GMimeObject *obj)
{
	return GMIME_IS_PART(obj) ? g_mime_part_get_filename(GMIME_PART(obj)) :
	    NULL;
}

static int
is_type(GMimeObject *obj, const char *type, const char *sub)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	return ct != NULL && g_mime_content_type_is_type(ct, type, sub);
}

/* Reporter, organisation and Message-ID of the message, on the feed
 * before its rows are read (each row's model points to them). */
static int
feed_headers(struct mp_feed *f, const struct mp_message *msg)
{
	struct mp_report *tmp;
	struct mp_error e;
	const char *id;
	int oom = 0;

	if ((tmp = mp_rpt_new(0, &e)) == NULL)
		return -1;
	if (mp_rpt_from_headers(tmp, msg, &e) == MP_OK) {
		if (tmp->reporter_addr != NULL)
			f->reporter_addr = mp_fa_strdup(f, tmp->reporter_addr);
		if (tmp->reporter_org != NULL)
			f->reporter_org = mp_fa_strdup(f, tmp->reporter_org);
	}
	mp_report_free(&tmp);
	id = g_mime_message_get_message_id(mp_message_mime(msg));
	if (id != NULL)
		f->report_id = mp_fa_text(f, id, &oom);
	return oom ? -1 : 0;
}

/* The list attachments: 0 when none, 1 when some were added, or < 0. */
static int
feeds(const struct mp_message *msg, const struct mp_feed_opts *o,
    const struct mp_feed_limits *lim, struct mp_report_set *s,
    size_t digest_part, struct mp_error *err)
{
	size_t i;
	int found = 0, rc;

	for (i = 0; i < mp_message_nparts(msg); i++) {
		const struct mp_part *p = mp_message_part(msg, i);
		const char *fn = filename_of(p->obj);
		struct mp_report_item *it;
		struct mp_feed *f = NULL;
		struct mp_feed_fill fl;
		GByteArray *ba;
		char word[128];
		time_t date;
		int ss;

		if (p->embedded || !GMIME_IS_PART(p->obj))
			continue;
		ss = mp_shadowserver_filename(fn, word, sizeof(word), &date);
		if (!ss && !(o->list && (mp_text_ends_with(fn, ".csv") ||
		    mp_text_ends_with(fn, ".csv.zip") ||
		    is_type(p->obj, "text", "csv"))))
			continue;
		if ((rc = mp_message_part_content(p->obj, lim->max_zip_size >
		    lim->max_bytes ? lim->max_zip_size : lim->max_bytes, &ba,
		    err)) != MP_OK)
			return rc;
		if (ss)
			rc = mp_feed_shadowserver_new(fn, &f, &fl, err);
		else
			rc = mp_feed_list_new(fn, o->list_type, o->case_ref, &f,
			    &fl, err);
		if (rc == MP_OK && feed_headers(f, msg) != 0)
			rc = mp_error_set(err, MP_ENOMEM, "out of memory");
		if (rc == MP_OK) {
			/* the item it becomes (added once it is read) */
			f->sink = o->sink;
			f->item = s->n;
			if ((rc = mp_feed_load(f, fn, ba->data, ba->len, lim, &fl,
			    err)) != MP_OK && ss)
				mp_error_prefix(err, "Shadowserver %s",
				    f->filename);
			f->sink = NULL;	/* the caller's, for this call only */
		}
		g_byte_array_unref(ba);
		if (rc != MP_OK) {
			mp_feed_free(&f);
			return rc;
		}
		if ((it = add(s, lim, MP_ITEM_FEED, err)) == NULL) {
			mp_feed_free(&f);
			return err->code ? err->code : MP_ENOMEM;
		}
		it->feed = f;
		it->digest_part = digest_part;
		found = 1;
	}
	return found;
}

static const char *const phrases[] = {
	"download", "can be obtained", "following link", "retrieve the report",
	NULL,
};

/* 1 when the message is in a format of mp_report_parse(): ARF, X-ARF,
 * XARF JSON. Its refusal stands; nothing else is tried. */
static int
has_format(const struct mp_message *msg)
{
	size_t i;

	if (mp_message_header(msg, "X-ARF") != NULL ||
	    mp_message_header(msg, "X-XARF") != NULL ||
	    mp_rpt_find_json(msg) != NULL)
		return 1;
	for (i = 0; i < mp_message_nparts(msg); i++) {
		const struct mp_part *p = mp_message_part(msg, i);

		if (!p->embedded && is_type(p->obj, "message",
		    "feedback-report"))
			return 1;
	}
	return 0;
}

/* The first http(s) URL of the reporter's text, when nothing is attached
 * and the mail says it is a report. Malloc'd, or NULL. */
static char *
link_only(const struct mp_message *msg)
{
	const char *subj = g_mime_message_get_subject(mp_message_mime(msg));
	GMimeObject *text = NULL;
	GByteArray *ba;
	struct mp_error e;
	char *url = NULL, *p, *q;
	size_t i;
	int oom;

	for (i = 0; i < mp_message_nparts(msg); i++) {
		const struct mp_part *pt = mp_message_part(msg, i);

		if (pt->embedded || !GMIME_IS_PART(pt->obj))
			continue;
		if (filename_of(pt->obj) != NULL ||
		    !is_type(pt->obj, "text", "*"))
			return NULL;	/* something is attached */
		if (text == NULL && is_type(pt->obj, "text", "plain"))
			text = pt->obj;
	}
	if (text == NULL || subj == NULL || strcasestr(subj, "report") == NULL)
		return NULL;
	if (mp_message_part_content(text, LINK_SCAN_MAX, &ba, &e) != MP_OK)
		return NULL;
	g_byte_array_append(ba, (const guint8 *)"", 1);
	p = (char *)ba->data;
	/* The text must say the report is behind the link. */
	for (i = 0; phrases[i] != NULL; i++)
		if ((q = strcasestr(p, phrases[i])) != NULL)
			break;
	if (phrases[i] == NULL)
		q = NULL;
	else if ((p = strcasestr(q, "https://")) != NULL ||
	    (p = strcasestr(q, "http://")) != NULL)
		q = p;
	else
		q = NULL;
	if (q != NULL) {
		size_t n = strcspn(q, " \t\r\n\"'<>");

		url = mp_rpt_text(q, n, &oom);
	}
	g_byte_array_unref(ba);
	return url;
}

static int parse_one(const struct mp_message *msg,
    const struct mp_feed_opts *o, const struct mp_feed_limits *lim,
    struct mp_report_set *s, size_t digest_part, struct mp_error *err);

/* Each attached message of a digest: 0 when none, 1 when added, < 0. */
static int
digest(const struct mp_message *msg, const struct mp_feed_opts *o,
    const struct mp_feed_limits *lim, struct mp_report_set *s,
    struct mp_error *err)
{
	GMimeObject *top = g_mime_message_get_mime_part(mp_message_mime(msg));
	size_t i, k = 0, start = s->n, good = 0;
	int rc;

	/* A returned mail (multipart/report) carries the message it returns:
	 * no digest. */
	if (top == NULL || is_type(top, "multipart", "report"))
		return 0;
	for (i = 0; i < mp_message_nparts(msg); i++) {
		const struct mp_part *p = mp_message_part(msg, i);
		GMimeMessage *inner;
		struct mp_message *m;
		struct mp_error e;
		char *raw;
		size_t before;

		if (p->embedded || !GMIME_IS_MESSAGE_PART(p->obj))
			continue;
		inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(p->obj));
		if (inner == NULL)
			continue;
		k++;
		if ((raw = g_mime_object_to_string(GMIME_OBJECT(inner), NULL))
		    == NULL)
			return mp_error_set(err, MP_ENOMEM, "out of memory");
		mp_error_clear(&e);
		rc = mp_message_parse(raw, strlen(raw), o->msg_limits, &m, &e);
		g_free(raw);
		before = s->n;
		if (rc == MP_OK) {
			rc = parse_one(m, o, lim, s, k, &e);
			mp_message_free(&m);
		}
		if (rc == MP_ENOMEM || (rc == MP_ELIMIT && s->n >= lim->max_items))
			return mp_error_set(err, rc, "%s", e.msg);
		if (rc != MP_OK && s->n == before) {
			struct mp_report_item *it = add(s, lim, MP_ITEM_REFUSED,
			    err);

			if (it == NULL)
				return err->code;
			it->digest_part = k;
			if ((it->why = strdup(e.msg)) == NULL)
				return mp_error_set(err, MP_ENOMEM,
				    "out of memory");
		} else if (s->n > before)
			good++;
	}
	/* Only a digest when one of its messages is a report: otherwise the
	 * attached messages were something else (a forwarded spam, say). */
	if (good == 0) {
		while (s->n > start) {
			struct mp_report_item *it = &s->items[--s->n];

			mp_report_free(&it->report);
			mp_feed_free(&it->feed);
			free(it->link);
			free(it->why);
		}
		return 0;
	}
	return 1;
}

static int
parse_one(const struct mp_message *msg, const struct mp_feed_opts *o,
    const struct mp_feed_limits *lim, struct mp_report_set *s,
    size_t digest_part, struct mp_error *err)
{
	struct mp_report_item *it;
	struct mp_report *r;
	char *url;
	int rc;

	rc = mp_report_parse(msg, &r, err);
	if (rc == MP_OK) {
		if ((it = add(s, lim, MP_ITEM_REPORT, err)) == NULL) {
			mp_report_free(&r);
			return err->code;
		}
		it->report = r;
		it->digest_part = digest_part;
		return MP_OK;
	}
	if (rc != MP_EINPUT || has_format(msg))
		return rc;
	/* err holds mp_report_parse()'s reason: kept when nothing else fits. */
	{
		struct mp_error e2;

		mp_error_clear(&e2);
		if ((rc = feeds(msg, o, lim, s, digest_part, &e2)) < 0) {
			*err = e2;
			mp_error_prefix(err, "not a report");
			return rc;
		}
		if (rc > 0)
			return MP_OK;
		if (digest_part == 0) {
			if ((rc = digest(msg, o, lim, s, &e2)) < 0) {
				*err = e2;
				return rc;
			}
			if (rc > 0)
				return MP_OK;
		}
	}
	if ((url = link_only(msg)) != NULL) {
		if ((it = add(s, lim, MP_ITEM_LINK_ONLY, err)) == NULL) {
			free(url);
			return err->code;
		}
		it->link = url;
		it->digest_part = digest_part;
		return MP_OK;
	}
	return MP_EINPUT;
}

int
mp_report_parse_all(const struct mp_message *msg,
    const struct mp_feed_opts *opts, struct mp_report_set **out,
    struct mp_error *err)
{
	struct mp_feed_opts dopts;
	struct mp_feed_limits dl;
	const struct mp_feed_limits *lim;
	struct mp_report_set *s;
	int rc;

	*out = NULL;
	if (opts == NULL) {
		memset(&dopts, 0, sizeof(dopts));
		opts = &dopts;
	}
	if ((lim = opts->limits) == NULL) {
		mp_feed_limits_default(&dl);
		lim = &dl;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	rc = parse_one(msg, opts, lim, s, 0, err);
	if (rc != MP_OK) {
		mp_report_set_free(&s);
		return rc;
	}
	*out = s;
	return MP_OK;
}
