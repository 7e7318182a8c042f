/*
 * template - see template.h
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encode.h"
#include "template.h"

static const char *const field_names[MP_TF_COUNT] = {
	[MP_TF_TYPE] = "type",
	[MP_TF_TYPE_DETAIL] = "type_detail",
	[MP_TF_SOURCE_IP] = "source_ip",
	[MP_TF_SOURCE_PORT] = "source_port",
	[MP_TF_DOMAIN] = "domain",
	[MP_TF_URL] = "url",
	[MP_TF_ASN] = "asn",
	[MP_TF_SERVICE] = "service",
	[MP_TF_OCCURRENCES] = "occurrences",
	[MP_TF_TIME] = "time",
	[MP_TF_FIRST_SEEN] = "first_seen",
	[MP_TF_LAST_SEEN] = "last_seen",
	[MP_TF_REPORTED_AT] = "reported_at",
	[MP_TF_REPORTER] = "reporter",
	[MP_TF_REPORTER_ADDRESS] = "reporter_address",
	[MP_TF_REPORT_ID] = "report_id",
	[MP_TF_TLP] = "tlp",
	[MP_TF_FORMAT] = "format",
	[MP_TF_NOTICE_ID] = "notice_id",
	[MP_TF_DATE] = "date",
	[MP_TF_IDENTITY] = "identity",
	[MP_TF_IDENTITY_NAME] = "identity_name",
	[MP_TF_IDENTITY_DOMAIN] = "identity_domain",
	[MP_TF_CONTACT] = "contact",
	[MP_TF_ATTACHMENT] = "attachment",
	[MP_TF_REDACTED] = "redacted",
	[MP_TF_WEBSITE] = "website",
	[MP_TF_PHONE] = "phone",
	[MP_TF_TICKET] = "ticket",
	[MP_TF_ROWS] = "rows",
	[MP_TF_PLURAL] = "plural",
	[MP_TF_FEED] = "feed",
	[MP_TF_CASE_REF] = "case_ref",
	[MP_TF_REPLY_TO] = "reply_to",
};

static const enum mp_lang langs[] = { MP_LANG_NL, MP_LANG_EN };
#define NLANGS (sizeof(langs) / sizeof(langs[0]))

#define FOOTER_NAME "footer"
#define LIST_DIR "list"		/* LANG/list/TYPE.tmpl: the list variants */

enum tkind { T_TEXT, T_FIELD, T_IF };

struct tnode {
	enum tkind kind;
	enum mp_tfield field;
	char *text;
	size_t len;
	struct tnode *then, *els;
	struct tnode *next;
};

struct mp_template {
	char *name;
	struct tnode *subject;	/* NULL for a body-only template */
	struct tnode *body;
};

struct mp_template_set {
	struct mp_template *t[MP_LANG_COUNT][MP_TYPE_COUNT];
	struct mp_template *list[MP_LANG_COUNT][MP_TYPE_COUNT];
	struct mp_template *footer[MP_LANG_COUNT];
};

/* One open list: the root, or the then/else part of an {{#if}}. */
struct frame {
	struct tnode *owner;	/* the T_IF node, NULL for the root */
	struct tnode **tail;	/* where the next node goes */
	struct tnode *last;	/* the node before it, to merge text */
	unsigned line;		/* where the {{#if}} was opened */
};

struct parser {
	const char *name;
	unsigned line;
	unsigned nnodes;
	int depth;
	struct frame stack[MP_TEMPLATE_MAX_DEPTH + 1];
	struct mp_error *err;
};

enum tag { TAG_FIELD, TAG_IF, TAG_ELSE, TAG_END, TAG_COMMENT };

const char *
mp_template_field_name(enum mp_tfield f)
{
	return (unsigned)f < MP_TF_COUNT ? field_names[f] : NULL;
}

const char *
mp_template_lang_name(enum mp_lang lang)
{
	return lang == MP_LANG_EN ? "en" : "nl";
}

static void
nodes_free(struct tnode *n)
{
	struct tnode *next;

	for (; n != NULL; n = next) {
		next = n->next;
		nodes_free(n->then);
		nodes_free(n->els);
		free(n->text);
		free(n);
	}
}

void
mp_template_free(struct mp_template **tp)
{
	if (tp == NULL || *tp == NULL)
		return;
	nodes_free((*tp)->subject);
	nodes_free((*tp)->body);
	free((*tp)->name);
	free(*tp);
	*tp = NULL;
}

static int
perr(struct parser *ps, int code, const char *what, const char *a, size_t alen)
{
	return mp_error_set(ps->err, code, "%s:%u: %s%.*s", ps->name, ps->line,
	    what, (int)alen, a ? a : "");
}

static int
add_node(struct parser *ps, struct tnode **np)
{
	struct frame *f = &ps->stack[ps->depth];
	struct tnode *n;

	if (++ps->nnodes > MP_TEMPLATE_MAX_NODES)
		return mp_error_set(ps->err, MP_ELIMIT,
		    "%s:%u: more than %d template pieces (limit)", ps->name,
		    ps->line, MP_TEMPLATE_MAX_NODES);
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return mp_error_set(ps->err, MP_ENOMEM, "out of memory");
	*f->tail = n;
	f->tail = &n->next;
	f->last = n;
	*np = n;
	return MP_OK;
}

static int
add_text(struct parser *ps, const char *s, size_t n)
{
	struct tnode *last = ps->stack[ps->depth].last, *node;
	char *p;
	int rc;

	if (n == 0)
		return MP_OK;
	if (last == NULL || last->kind != T_TEXT) {
		if ((rc = add_node(ps, &node)) != MP_OK)
			return rc;
		node->kind = T_TEXT;
		last = node;
	}
	if ((p = realloc(last->text, last->len + n + 1)) == NULL)
		return mp_error_set(ps->err, MP_ENOMEM, "out of memory");
	memcpy(p + last->len, s, n);
	last->len += n;
	p[last->len] = '\0';
	last->text = p;
	return MP_OK;
}

static int
lookup_field(struct parser *ps, const char *s, size_t n, enum mp_tfield *f)
{
	char known[MP_ERROR_MAX];	/* cut by mp_error_set() if need be */
	size_t i, k = 0;

	for (i = 0; i < MP_TF_COUNT; i++) {
		if (strlen(field_names[i]) == n &&
		    memcmp(field_names[i], s, n) == 0) {
			*f = (enum mp_tfield)i;
			return MP_OK;
		}
	}
	known[0] = '\0';
	for (i = 0; i < MP_TF_COUNT && k < sizeof(known); i++)
		k += (size_t)snprintf(known + k, sizeof(known) - k, "%s%s",
		    i ? " " : "", field_names[i]);
	if (n > MP_TEMPLATE_NAME_MAX)
		n = MP_TEMPLATE_NAME_MAX;
	return mp_error_set(ps->err, MP_ECONFIG,
	    "%s:%u: unknown field \"%.*s\" (known fields: %s)", ps->name,
	    ps->line, (int)n, s, known);
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Classify the words between "{{" and "}}". */
static int
parse_tag(struct parser *ps, const char *s, size_t n, enum tag *tag,
    enum mp_tfield *f)
{
	while (n > 0 && is_blank(*s))
		s++, n--;
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	if (n == 0)
		return perr(ps, MP_ECONFIG, "empty tag {{}}", NULL, 0);
	if (s[0] == '!') {
		*tag = TAG_COMMENT;
		return MP_OK;
	}
	if (n == 4 && memcmp(s, "else", 4) == 0) {
		*tag = TAG_ELSE;
		return MP_OK;
	}
	if (n == 3 && memcmp(s, "/if", 3) == 0) {
		*tag = TAG_END;
		return MP_OK;
	}
	if (n >= 3 && memcmp(s, "#if", 3) == 0 && (n == 3 || is_blank(s[3]))) {
		s += 3, n -= 3;
		while (n > 0 && is_blank(*s))
			s++, n--;
		if (n == 0)
			return perr(ps, MP_ECONFIG, "{{#if}} needs a field name",
			    NULL, 0);
		*tag = TAG_IF;
		return lookup_field(ps, s, n, f);
	}
	if (s[0] == '#' || s[0] == '/')
		return perr(ps, MP_ECONFIG, "unknown block tag: {{", s,
		    n > MP_TEMPLATE_NAME_MAX ? MP_TEMPLATE_NAME_MAX : n);
	*tag = TAG_FIELD;
	return lookup_field(ps, s, n, f);
}

static int
apply_tag(struct parser *ps, enum tag tag, enum mp_tfield field)
{
	struct frame *f = &ps->stack[ps->depth];
	struct tnode *n;
	int rc;

	switch (tag) {
	case TAG_COMMENT:
		return MP_OK;
	case TAG_FIELD:
		if ((rc = add_node(ps, &n)) != MP_OK)
			return rc;
		n->kind = T_FIELD;
		n->field = field;
		return MP_OK;
	case TAG_IF:
		if (ps->depth >= MP_TEMPLATE_MAX_DEPTH)
			return mp_error_set(ps->err, MP_ELIMIT,
			    "%s:%u: more than %d nested {{#if}} (limit)",
			    ps->name, ps->line, MP_TEMPLATE_MAX_DEPTH);
		if ((rc = add_node(ps, &n)) != MP_OK)
			return rc;
		n->kind = T_IF;
		n->field = field;
		f = &ps->stack[++ps->depth];
		f->owner = n;
		f->tail = &n->then;
		f->last = NULL;
		f->line = ps->line;
		return MP_OK;
	case TAG_ELSE:
		if (f->owner == NULL)
			return perr(ps, MP_ECONFIG, "{{else}} without {{#if}}",
			    NULL, 0);
		if (f->tail == &f->owner->els || f->owner->els != NULL)
			return perr(ps, MP_ECONFIG, "second {{else}} in one {{#if}}",
			    NULL, 0);
		f->tail = &f->owner->els;
		f->last = NULL;
		return MP_OK;
	case TAG_END:
		if (f->owner == NULL)
			return perr(ps, MP_ECONFIG, "{{/if}} without {{#if}}",
			    NULL, 0);
		ps->depth--;
		return MP_OK;
	}
	return MP_EINTERNAL;
}

/* A line that is only a block tag or a comment leaves no line behind. */
static int
standalone(struct parser *ps, const char *s, size_t n, int *done)
{
	enum mp_tfield f = MP_TF_TYPE;
	const char *close;
	enum tag tag;
	int rc;

	*done = 0;
	while (n > 0 && is_blank(*s))
		s++, n--;
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	if (n < 4 || memcmp(s, "{{", 2) != 0 || memcmp(s + n - 2, "}}", 2) != 0)
		return MP_OK;
	close = memmem(s + 2, n - 2, "}}", 2);
	if (close != s + n - 2 || memmem(s + 2, n - 4, "{{", 2) != NULL)
		return MP_OK;
	if ((rc = parse_tag(ps, s + 2, n - 4, &tag, &f)) != MP_OK)
		return rc;
	if (tag == TAG_FIELD)
		return MP_OK;
	*done = 1;
	return apply_tag(ps, tag, f);
}

static int
inline_line(struct parser *ps, const char *s, size_t n)
{
	const char *open, *close, *end = s + n;
	enum mp_tfield f = MP_TF_TYPE;
	enum tag tag;
	int rc;

	while ((open = memmem(s, (size_t)(end - s), "{{", 2)) != NULL) {
		if ((rc = add_text(ps, s, (size_t)(open - s))) != MP_OK)
			return rc;
		close = memmem(open + 2, (size_t)(end - open - 2), "}}", 2);
		if (close == NULL)
			return perr(ps, MP_ECONFIG,
			    "\"{{\" is not closed by \"}}\" on the same line",
			    NULL, 0);
		if ((rc = parse_tag(ps, open + 2, (size_t)(close - open - 2),
		    &tag, &f)) != MP_OK ||
		    (rc = apply_tag(ps, tag, f)) != MP_OK)
			return rc;
		s = close + 2;
	}
	return add_text(ps, s, (size_t)(end - s));
}

/* Only UTF-8 text, tabs and line ends: say where anything else is. */
static int
check_bytes(struct parser *ps, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0, seq;

	ps->line = 1;
	while (i < len) {
		if (p[i] == '\n') {
			ps->line++;
			i++;
			continue;
		}
		if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n') {
			i++;
			continue;
		}
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return mp_error_set(ps->err, MP_ECONFIG,
			    "%s:%u: control character 0x%02x", ps->name,
			    ps->line, p[i]);
		if ((seq = mp_utf8_seq(p + i, len - i)) == 0)
			return perr(ps, MP_ECONFIG, "invalid UTF-8", NULL, 0);
		i += seq;
	}
	return MP_OK;
}

static int
subject_line(struct parser *ps, struct mp_template *t, const char *s,
    size_t n)
{
	int rc;

	if (n < 8 || strncasecmp(s, "Subject:", 8) != 0)
		return perr(ps, MP_ECONFIG,
		    "the first line must be \"Subject: ...\"", NULL, 0);
	s += 8, n -= 8;
	while (n > 0 && is_blank(*s))
		s++, n--;
	ps->stack[0].tail = &t->subject;
	ps->stack[0].last = NULL;
	if ((rc = inline_line(ps, s, n)) != MP_OK)
		return rc;
	if (ps->depth != 0)
		return perr(ps, MP_ECONFIG,
		    "an {{#if}} in the Subject line must end on that line",
		    NULL, 0);
	ps->stack[0].tail = &t->body;
	ps->stack[0].last = NULL;
	return MP_OK;
}

static int
parse_lines(struct parser *ps, struct mp_template *t, const char *text,
    size_t len, int with_subject)
{
	const char *s = text, *end = text + len, *nl;
	size_t n;
	int rc, done, state = with_subject ? 0 : 2;	/* 0 subject, 1 gap */

	for (ps->line = 1; s < end; ps->line++, s = nl ? nl + 1 : end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		n = (size_t)((nl ? nl : end) - s);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (state == 1) {
			if (n != 0)
				return perr(ps, MP_ECONFIG, "the Subject line "
				    "must be followed by an empty line", NULL, 0);
			state = 2;
			continue;
		}
		if ((rc = standalone(ps, s, n, &done)) != MP_OK)
			return rc;
		if (done && state == 0 && (ps->depth != 0 || ps->nnodes != 0))
			return perr(ps, MP_ECONFIG, "only comments may come "
			    "before the Subject line", NULL, 0);
		if (done)
			continue;
		if (state == 0) {
			if ((rc = subject_line(ps, t, s, n)) != MP_OK)
				return rc;
			state = 1;
			continue;
		}
		if ((rc = inline_line(ps, s, n)) != MP_OK ||
		    (nl && (rc = add_text(ps, "\n", 1)) != MP_OK))
			return rc;
	}
	if (state == 0)
		return perr(ps, MP_ECONFIG, "no \"Subject: ...\" line", NULL, 0);
	if (ps->depth > 0)
		return mp_error_set(ps->err, MP_ECONFIG,
		    "%s:%u: {{#if %s}} opened on line %u is never closed",
		    ps->name, ps->line, field_names[ps->stack[ps->depth].owner->field],
		    ps->stack[ps->depth].line);
	return MP_OK;
}

int
mp_template_parse(const char *name, const char *text, size_t len,
    int with_subject, struct mp_template **tp, struct mp_error *err)
{
	struct parser ps;
	struct mp_template *t;
	int rc;

	*tp = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.name = name;
	ps.err = err;
	if (len > MP_TEMPLATE_MAX_BYTES)
		return mp_error_set(err, MP_ELIMIT,
		    "%s: larger than %d bytes (limit)", name,
		    MP_TEMPLATE_MAX_BYTES);
	if ((rc = check_bytes(&ps, text, len)) != MP_OK)
		return rc;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->name = strdup(name)) == NULL) {
		free(t);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	ps.stack[0].tail = &t->body;
	if ((rc = parse_lines(&ps, t, text, len, with_subject)) != MP_OK) {
		mp_template_free(&t);
		return rc;
	}
	*tp = t;
	return MP_OK;
}

int
mp_template_load(const char *path, int with_subject, struct mp_template **tp,
    struct mp_error *err)
{
	char *text;
	ssize_t n;
	size_t len = 0;
	int fd, rc;

	*tp = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return mp_error_set(err, MP_ECONFIG, "%s: cannot open: %s",
		    path, strerror(errno));
	if ((text = malloc(MP_TEMPLATE_MAX_BYTES + 1)) == NULL) {
		close(fd);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	while (len <= MP_TEMPLATE_MAX_BYTES &&
	    (n = read(fd, text + len, MP_TEMPLATE_MAX_BYTES + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = mp_error_set(err, MP_EIO, "%s: cannot read: %s",
			    path, strerror(errno));
			close(fd);
			free(text);
			return rc;
		}
		len += (size_t)n;
	}
	close(fd);
	rc = mp_template_parse(path, text, len, with_subject, tp, err);
	free(text);
	return rc;
}

static int
render_nodes(const struct tnode *n, const char *const vals[MP_TF_COUNT],
    struct mp_buf *out)
{
	const char *v;
	int rc = MP_OK;

	for (; n != NULL && rc == MP_OK; n = n->next) {
		v = n->kind == T_TEXT ? NULL : vals[n->field];
		switch (n->kind) {
		case T_TEXT:
			rc = mp_buf_append(out, n->text, n->len);
			break;
		case T_FIELD:
			if (v != NULL)
				rc = mp_buf_puts(out, v);
			break;
		case T_IF:
			rc = render_nodes(v != NULL && *v != '\0' ? n->then :
			    n->els, vals, out);
			break;
		}
	}
	return rc;
}

int
mp_template_render(const struct mp_template *t,
    const char *const vals[MP_TF_COUNT], struct mp_buf *subject,
    struct mp_buf *body)
{
	int rc;

	if (subject != NULL &&
	    (rc = render_nodes(t->subject, vals, subject)) != MP_OK)
		return rc;
	return body != NULL ? render_nodes(t->body, vals, body) : MP_OK;
}

/*
 * A *.tmpl file whose name is no type is most likely a misspelt one
 * (footer.tmpl is allowed where `footer` says so). Other names, the
 * list/ folder among them, are not templates and are left alone.
 */
static int
check_names(const char *dir, int footer, struct mp_error *err)
{
	struct dirent *de;
	size_t n, i;
	DIR *d;
	int ok, rc = MP_OK;

	if ((d = opendir(dir)) == NULL)
		return mp_error_set(err, MP_ECONFIG, "%s: cannot open: %s",
		    dir, strerror(errno));
	while (rc == MP_OK && (de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 5, ".tmpl") != 0)
			continue;
		ok = footer && (n - 5 == strlen(FOOTER_NAME) &&
		    strncmp(de->d_name, FOOTER_NAME, n - 5) == 0);
		for (i = 0; !ok && i < MP_TYPE_COUNT; i++)
			ok = (n - 5 == strlen(mp_report_type_name(i)) &&
			    strncmp(de->d_name, mp_report_type_name(i), n - 5) == 0);
		if (!ok)
			rc = mp_error_set(err, MP_ECONFIG,
			    "%s/%s: not a report type (see "
			    "meldpunt-templates(5) for the names)", dir,
			    de->d_name);
	}
	closedir(d);
	return rc;
}

static int
load_one(const char *dir, const char *lang, const char *name,
    int with_subject, struct mp_template **tp, struct mp_error *err)
{
	char path[PATH_MAX];
	int n;

	n = snprintf(path, sizeof(path), "%s/%s/%s.tmpl", dir, lang, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return mp_error_set(err, MP_ECONFIG, "%s: path too long", dir);
	return mp_template_load(path, with_subject, tp, err);
}

int
mp_templates_load(const char *dir, struct mp_template_set **setp,
    struct mp_error *err)
{
	struct mp_template_set *set;
	char sub[PATH_MAX], list[64];
	int rc = MP_OK;
	size_t i, l, ty;

	*setp = NULL;
	if ((set = calloc(1, sizeof(*set))) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	for (i = 0; rc == MP_OK && i < NLANGS; i++) {
		l = langs[i];
		snprintf(sub, sizeof(sub), "%s/%s", dir, mp_lang_name(l));
		rc = check_names(sub, 1, err);
		for (ty = 0; rc == MP_OK && ty < MP_TYPE_COUNT; ty++)
			rc = load_one(dir, mp_lang_name(l), mp_report_type_name(ty), 1,
			    &set->t[l][ty], err);
		snprintf(list, sizeof(list), "%s/%s", mp_lang_name(l), LIST_DIR);
		snprintf(sub, sizeof(sub), "%s/%s", dir, list);
		if (rc == MP_OK)
			rc = check_names(sub, 0, err);
		for (ty = 0; rc == MP_OK && ty < MP_TYPE_COUNT; ty++)
			rc = load_one(dir, list, mp_report_type_name(ty), 1,
			    &set->list[l][ty], err);
		if (rc == MP_OK)
			rc = load_one(dir, mp_lang_name(l), FOOTER_NAME, 0,
			    &set->footer[l], err);
	}
	if (rc != MP_OK) {
		mp_templates_free(&set);
		return rc;
	}
	*setp = set;
	return MP_OK;
}

void
mp_templates_free(struct mp_template_set **setp)
{
	size_t l, ty;

	if (setp == NULL || *setp == NULL)
		return;
	for (l = 0; l < MP_LANG_COUNT; l++) {
		for (ty = 0; ty < MP_TYPE_COUNT; ty++) {
			mp_template_free(&(*setp)->t[l][ty]);
			mp_template_free(&(*setp)->list[l][ty]);
		}
		mp_template_free(&(*setp)->footer[l]);
	}
	free(*setp);
	*setp = NULL;
}

const struct mp_template *
mp_templates_get(const struct mp_template_set *set, enum mp_lang lang,
    enum mp_report_type type)
{
	if (lang != MP_LANG_EN)
		lang = MP_LANG_NL;
	if ((unsigned)type >= MP_TYPE_COUNT)
		type = MP_TYPE_OTHER;
	return set->t[lang][type];
}

const struct mp_template *
mp_templates_get_list(const struct mp_template_set *set, enum mp_lang lang,
    enum mp_report_type type)
{
	if (lang != MP_LANG_EN)
		lang = MP_LANG_NL;
	if ((unsigned)type >= MP_TYPE_COUNT)
		type = MP_TYPE_OTHER;
	return set->list[lang][type];
}

const struct mp_template *
mp_templates_footer(const struct mp_template_set *set, enum mp_lang lang)
{
	return set->footer[lang == MP_LANG_EN ? MP_LANG_EN : MP_LANG_NL];
}
