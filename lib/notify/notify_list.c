/*
 * notify_list - see notify_list.h
 *
 * The list's check, its template values and the table after the
 * template text. The CSV attachments are notify_csv.c; the steps, the
 * headers and the MIME body are the single notification's (notify.c,
 * notify_mime.c), through notify_int.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "feed.h"
#include "notify_int.h"
#include "text.h"

/* The table's columns, in order; a cap in characters per value. */
enum col { C_TIME, C_IP, C_PORT, C_PROTO, C_HOST, C_TAGS, C_FEED, NCOL };

static const struct {
	const char *nl, *en;
	size_t cap;
} cols[NCOL] = {
	[C_TIME] = { "Tijd (UTC)", "Time (UTC)", 16 },
	[C_IP] = { "IP-adres", "IP address", 39 },
	[C_PORT] = { "Poort", "Port", 5 },
	[C_PROTO] = { "Protocol", "Protocol", 10 },
	[C_HOST] = { "Hostnaam", "Host name", 32 },
	[C_TAGS] = { "Labels / CVE's", "Tags / CVEs", 40 },
	[C_FEED] = { "Rapport", "Report", 32 },
};

struct table {
	size_t shown;
	struct mp_buf cell[MP_NOTIFY_LIST_TABLE_ROWS][NCOL];
	size_t width[NCOL];	/* in characters; 0: column left out */
};

static size_t
chars(const char *s, size_t len)
{
	size_t i = 0, n = 0, seq;

	while (i < len) {
		seq = mp_utf8_seq((const unsigned char *)s + i, len - i);
		i += seq ? seq : 1;
		n++;
	}
	return n;
}

/* Cut `b` to at most `cap` characters, the last one an ellipsis. */
static int
fit(struct mp_buf *b, size_t cap)
{
	size_t i = 0, n = 0, seq;

	if (b->data == NULL || chars(b->data, b->len) <= cap)
		return MP_OK;
	while (n + 1 < cap) {
		seq = mp_utf8_seq((const unsigned char *)b->data + i, b->len - i);
		i += seq ? seq : 1;
		n++;
	}
	b->len = i;
	b->data[i] = '\0';
	return mp_buf_puts(b, ELLIPSIS);
}

/* A hostile value as a table cell: defanged, the value policy, cut. */
static int
cell(struct render *rd, const char *v, size_t cap, struct mp_buf *out)
{
	/* far more than a column shows; mp_feed_defang() adds one byte */
	char in[MP_NOTIFY_VALUE_MAX + 1], safe[MP_NOTIFY_VALUE_MAX + 2];
	int rc;

	if (v == NULL || *v == '\0')
		return MP_OK;
	snprintf(in, sizeof(in), "%s", v);
	if ((rc = nt_text(rd, mp_feed_defang(in, safe, sizeof(safe)),
	    MP_NOTIFY_VALUE_MAX, out)) != MP_OK)
		return rc;
	return fit(out, cap);
}

/* The tags, then each CVE the tags do not already name. */
static int
tags_cves(const struct mp_notify_list_row *row, struct mp_buf *out)
{
	const char *c = row->cves, *e;
	char one[64];
	size_t n;
	int rc = MP_OK;

	if (row->tags != NULL)
		rc = mp_buf_puts(out, row->tags);
	while (rc == MP_OK && c != NULL && *c != '\0') {
		e = c + strcspn(c, ",");
		n = (size_t)(e - c);
		if (n > 0 && n < sizeof(one)) {
			memcpy(one, c, n);
			one[n] = '\0';
			if (row->tags == NULL || strcasestr(row->tags, one) == NULL)
				rc = mp_buf_printf(out, "%s%s",
				    out->len > 0 ? "," : "", one);
		}
		c = *e ? e + 1 : e;
	}
	return rc;
}

/* Several names of feeds among the rows: then the table says which. */
static int
feeds_differ(const struct mp_notify_list *l)
{
	const char *first = NULL, *name;
	size_t i;

	for (i = 0; i < l->nrows; i++) {
		name = l->feeds[l->rows[i].feed].name;
		name = name != NULL ? name : "";
		if (first == NULL)
			first = name;
		else if (strcmp(first, name) != 0)
			return 1;
	}
	return 0;
}

static int
table_fill(struct render *rd, struct table *t)
{
	const struct mp_notify_list *l = rd->list;
	const struct mp_notify_list_row *row;
	struct mp_buf raw;
	struct tm tm;
	size_t i, c, w;
	int rc = MP_OK, feeds = feeds_differ(l);

	t->shown = l->nrows < MP_NOTIFY_LIST_TABLE_ROWS ? l->nrows :
	    MP_NOTIFY_LIST_TABLE_ROWS;
	mp_buf_init(&raw, 0);
	for (i = 0; rc == MP_OK && i < t->shown; i++) {
		row = &l->rows[i];
		/* minutes are enough to read by; the CSV has the rest */
		if (row->seen > 0 && gmtime_r(&row->seen, &tm) != NULL)
			rc |= mp_buf_printf(&t->cell[i][C_TIME],
			    "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
		rc |= cell(rd, row->ip, cols[C_IP].cap, &t->cell[i][C_IP]);
		if (row->port > 0 && row->port <= 65535)
			rc |= mp_buf_printf(&t->cell[i][C_PORT], "%u", row->port);
		rc |= cell(rd, row->protocol, cols[C_PROTO].cap,
		    &t->cell[i][C_PROTO]);
		rc |= cell(rd, row->hostname, cols[C_HOST].cap,
		    &t->cell[i][C_HOST]);
		mp_buf_reset(&raw);
		rc |= tags_cves(row, &raw);
		rc |= cell(rd, raw.data, cols[C_TAGS].cap, &t->cell[i][C_TAGS]);
		if (feeds)
			rc |= cell(rd, l->feeds[row->feed].name, cols[C_FEED].cap,
			    &t->cell[i][C_FEED]);
	}
	mp_buf_free(&raw);
	if (rc != MP_OK)
		return MP_ENOMEM;
	for (c = 0; c < NCOL; c++) {
		t->width[c] = 0;
		for (i = 0; i < t->shown; i++)
			if (t->cell[i][c].len > 0 &&
			    (w = chars(t->cell[i][c].data, t->cell[i][c].len)) >
			    t->width[c])
				t->width[c] = w;
	}
	return MP_OK;
}

/* One line of the table: the columns in use, two spaces apart. */
static int
table_line(const size_t width[NCOL], const char *const v[NCOL],
    struct mp_buf *out)
{
	size_t c, last = 0, pad;
	int rc = MP_OK;

	for (c = 0; c < NCOL; c++)
		if (width[c] > 0)
			last = c;
	for (c = 0; c < NCOL && rc == MP_OK; c++) {
		if (width[c] == 0)
			continue;
		rc = mp_buf_puts(out, v[c]);
		if (c == last)
			break;
		for (pad = chars(v[c], strlen(v[c])); rc == MP_OK &&
		    pad < width[c] + 2; pad++)
			rc = mp_buf_puts(out, " ");
	}
	return rc == MP_OK ? mp_buf_puts(out, "\n") : rc;
}

/* The titles, a rule under each, the rows. */
static int
table_text(const struct table *t, enum mp_lang lang, struct mp_buf *out)
{
	static const char dashes[] = "----------------------------------------"
	    "--------";		/* longer than any column (cols[].cap) */
	const char *v[NCOL], *rule[NCOL];
	size_t width[NCOL], c, i, tl;
	int rc;

	for (c = 0; c < NCOL; c++) {
		v[c] = lang == MP_LANG_EN ? cols[c].en : cols[c].nl;
		tl = chars(v[c], strlen(v[c]));
		width[c] = t->width[c] == 0 ? 0 : t->width[c] > tl ?
		    t->width[c] : tl;
		rule[c] = dashes + sizeof(dashes) - 1 - width[c];
	}
	if ((rc = table_line(width, v, out)) != MP_OK ||
	    (rc = table_line(width, rule, out)) != MP_OK)
		return rc;
	for (i = 0; i < t->shown; i++) {
		for (c = 0; c < NCOL; c++)
			v[c] = t->cell[i][c].data ? t->cell[i][c].data : "";
		if ((rc = table_line(width, v, out)) != MP_OK)
			return rc;
	}
	return MP_OK;
}

static int
intro(const struct render *rd, size_t shown, enum mp_lang lang,
    struct mp_buf *out)
{
	size_t n = rd->list->nrows;

	if (lang == MP_LANG_EN)
		return n > shown ? mp_buf_printf(out, "\nThe first %zu of the "
		    "%zu findings:\n\n", shown, n) : n > 1 ?
		    mp_buf_printf(out, "\nThe %zu findings:\n\n", n) :
		    mp_buf_puts(out, "\nThe finding:\n\n");
	return n > shown ? mp_buf_printf(out, "\nDe eerste %zu van de %zu "
	    "waarnemingen:\n\n", shown, n) : n > 1 ?
	    mp_buf_printf(out, "\nDe %zu waarnemingen:\n\n", n) :
	    mp_buf_puts(out, "\nDe waarneming:\n\n");
}

/* What is attached and how to open it. */
static int
attachment_note(const struct render *rd, size_t shown, enum mp_lang lang,
    struct mp_buf *out)
{
	const int en = lang == MP_LANG_EN, many = rd->nparts > 1;
	size_t more = rd->list->nrows - shown, i;
	int rc = MP_OK;

	if (more > 0)
		rc = en ? mp_buf_printf(out, "... and %zu more %s in the "
		    "attachment.\n", more, more > 1 ? "rows" : "row") :
		    mp_buf_printf(out, "... en nog %zu %s in de bijlage.\n",
		    more, more > 1 ? "regels" : "regel");
	if (rc == MP_OK)
		rc = mp_buf_puts(out, en ? (many ? "\nAll findings are in the "
		    "attachments:\n" : "\nAll findings are in the attachment:\n") :
		    many ? "\nAlle waarnemingen staan in de bijlagen:\n" :
		    "\nAlle waarnemingen staan in de bijlage:\n");
	for (i = 0; rc == MP_OK && i < rd->nparts; i++)
		rc = mp_buf_printf(out, "- %s%s\n", rd->parts[i].name,
		    strncmp(rd->parts[i].type, "application/zip", 15) != 0 ? "" :
		    en ? " (a zip file: unpack it first)" :
		    " (een zip-bestand: pak het eerst uit)");
	if (rc == MP_OK)
		rc = mp_buf_puts(out, en ? (many ?
		    "These are tables (CSV files), one for each report. They open\n"
		    "in a spreadsheet program such as Excel or LibreOffice Calc;\n"
		    "your IT supplier can also work with them directly.\n" :
		    "It is a table (CSV file). It opens in a spreadsheet program\n"
		    "such as Excel or LibreOffice Calc; your IT supplier can also\n"
		    "work with it directly.\n") : many ?
		    "Dat zijn tabellen (CSV-bestanden), "
		    "\xc3\xa9\xc3\xa9n per rapport. U opent ze\n"	/* "one", not the article "een" */
		    "met een spreadsheetprogramma zoals Excel of LibreOffice Calc;\n"
		    "uw IT-leverancier kan er ook direct mee werken.\n" :
		    "Dat is een tabel (CSV-bestand). U opent die met een\n"
		    "spreadsheetprogramma zoals Excel of LibreOffice Calc; uw\n"
		    "IT-leverancier kan er ook direct mee werken.\n");
	return rc;
}

/* After the template text: the first rows and the attachments. */
static int
list_after_text(struct render *rd, enum mp_lang lang, struct mp_buf *text)
{
	struct table *t;
	size_t i, c;
	int rc;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return MP_ENOMEM;
	for (i = 0; i < MP_NOTIFY_LIST_TABLE_ROWS; i++)
		for (c = 0; c < NCOL; c++)
			mp_buf_init(&t->cell[i][c], 0);
	if ((rc = table_fill(rd, t)) == MP_OK &&
	    (rc = intro(rd, t->shown, lang, text)) == MP_OK &&
	    (rc = table_text(t, lang, text)) == MP_OK)
		rc = attachment_note(rd, t->shown, lang, text);
	for (i = 0; i < MP_NOTIFY_LIST_TABLE_ROWS; i++)
		for (c = 0; c < NCOL; c++)
			mp_buf_free(&t->cell[i][c]);
	free(t);
	return rc;
}

/* The group-wide fields, each from the feeds. */
enum ffield { FF_NAME, FF_REPORTER, FF_REPORT_ID, FF_CASE_REF };

static const char *
feed_field(const struct mp_notify_list_feed *f, enum ffield k)
{
	switch (k) {
	case FF_NAME: return f->name;
	case FF_REPORTER: return f->reporter;
	case FF_REPORT_ID: return f->report_id;
	case FF_CASE_REF: return f->case_ref;
	}
	return NULL;
}

/* The distinct non-empty values of one field of the feeds with rows,
 * joined with ", ", as template field `f`. */
static int
join(struct render *rd, const int *used, enum ffield k, enum mp_tfield f)
{
	const struct mp_notify_list *l = rd->list;
	struct mp_buf all;
	const char *v, *w;
	size_t i, j;
	int rc = MP_OK, seen;

	mp_buf_init(&all, 0);
	for (i = 0; rc == MP_OK && i < l->nfeeds; i++) {
		v = feed_field(&l->feeds[i], k);
		if (!used[i] || v == NULL || *v == '\0')
			continue;
		for (j = 0, seen = 0; j < i && !seen; j++) {
			w = feed_field(&l->feeds[j], k);
			seen = used[j] && w != NULL && strcmp(v, w) == 0;
		}
		if (!seen)
			rc = mp_buf_printf(&all, "%s%s", all.len ? ", " : "", v);
	}
	if (rc == MP_OK && all.data != NULL)
		rc = nt_text(rd, all.data, MP_NOTIFY_VALUE_MAX, &rd->val[f]);
	mp_buf_free(&all);
	return rc;
}

static int
list_values(struct render *rd)
{
	const struct mp_notify_list *l = rd->list;
	time_t first = 0, last = 0, s;
	int *used, rc = MP_OK;
	size_t i;

	if ((rc = nt_list_parts(rd)) != MP_OK)
		return rc;
	if ((used = calloc(l->nfeeds, sizeof(*used))) == NULL)
		return mp_error_set(rd->err, MP_ENOMEM, "out of memory");
	for (i = 0; i < l->nrows; i++) {
		used[l->rows[i].feed] = 1;
		if ((s = l->rows[i].seen) <= 0)
			continue;
		if (first == 0 || s < first)
			first = s;
		if (s > last)
			last = s;
	}
	rc |= mp_buf_puts(&rd->val[MP_TF_TYPE], mp_report_type_name(rd->type));
	rc |= mp_buf_printf(&rd->val[MP_TF_ROWS], "%zu", l->nrows);
	if (l->nrows > 1)
		rc |= mp_buf_puts(&rd->val[MP_TF_PLURAL], "yes");
	rc |= join(rd, used, FF_NAME, MP_TF_FEED);
	rc |= join(rd, used, FF_REPORTER, MP_TF_REPORTER);
	rc |= join(rd, used, FF_REPORT_ID, MP_TF_REPORT_ID);
	rc |= join(rd, used, FF_CASE_REF, MP_TF_CASE_REF);
	if (first != last) {
		rc |= nt_time(first, &rd->val[MP_TF_FIRST_SEEN]);
		rc |= nt_time(last, &rd->val[MP_TF_LAST_SEEN]);
	}
	rc |= nt_time(last, &rd->val[MP_TF_TIME]);
	free(used);
	/* The MP_E* codes are negative: any failure leaves rc non-zero. */
	return rc == MP_OK ? MP_OK : mp_error_set(rd->err, MP_ENOMEM,
	    "out of memory");
}

static int
check_list(const struct mp_notify_list *l, enum mp_report_type *type,
    struct mp_error *err)
{
	size_t i;

	if (l->type == NULL)
		return mp_error_set(err, MP_EINPUT, "a list notification needs "
		    "a report type");
	for (i = 0; i < MP_TYPE_COUNT; i++)
		if (strcmp(l->type, mp_report_type_name(i)) == 0)
			break;
	if (i == MP_TYPE_COUNT)
		return mp_error_set(err, MP_EINPUT, "list notification: \"%.64s\" "
		    "is not a report type", l->type);
	*type = (enum mp_report_type)i;
	if (l->nrows == 0 || l->rows == NULL)
		return mp_error_set(err, MP_EINPUT, "a list notification needs "
		    "at least one row");
	for (i = 0; i < l->nrows; i++)
		if (l->rows[i].feed >= l->nfeeds || l->feeds == NULL)
			return mp_error_set(err, MP_EINPUT, "list notification: "
			    "row %zu names feed %zu of %zu", i + 1,
			    l->rows[i].feed, l->nfeeds);
	return MP_OK;
}

int
mp_notify_render_list(const struct mp_template_set *set,
    const struct mp_notify_list *list, enum mp_lang lang,
    const struct mp_notify_conf *conf, struct mp_notice **np,
    struct mp_error *err)
{
	struct render rd;
	int rc;

	*np = NULL;
	memset(&rd, 0, sizeof(rd));
	if ((rc = check_list(list, &rd.type, err)) != MP_OK)
		return rc;
	rd.setp = set;
	rd.c = *conf;
	rd.err = err;
	rd.list = list;
	rd.max_message = list->max_bytes;
	rd.values = list_values;
	rd.after_text = list_after_text;
	return nt_run(&rd, lang, np);
}
