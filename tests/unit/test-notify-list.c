/*
 * Unit tests for list notifications (notify_list.h): the message is read
 * back with independent readers - GMime (lib/mail/message.c) for the MIME
 * structure and the transfer encodings, libcsv for the CSV, libzip for
 * the zip - and compared row by row with what went in.
 */
#include "config.h"

#include <csv.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "message.h"
#include "notify_fixture.h"
#include "notify_list.h"
#include "redact.h"

static struct mp_template_set *set;

static void
load_set(void)
{
	set = notify_fx_templates();
}

static void
free_set(void)
{
	mp_templates_free(&set);
}

/* --- building lists --- */

#define MAXROWS 7000
#define NCOLS 8

static const char *const ss_cols[NCOLS] = { "timestamp", "ip", "port",
    "protocol", "hostname", "tag", "asn", "evidence" };

/* A group: rows and their cells, owned here. */
struct group {
	struct mp_notify_list_feed feeds[4];
	struct mp_notify_list_row rows[MAXROWS];
	char cellbuf[MAXROWS][NCOLS][160];
	const char *cells[MAXROWS][NCOLS];
	struct mp_notify_list list;
};

static struct group *
group_new(const char *type, size_t nrows, size_t nfeeds)
{
	struct group *g = calloc(1, sizeof(*g));
	size_t i, c;

	ck_assert_ptr_nonnull(g);
	for (i = 0; i < nfeeds; i++) {
		g->feeds[i].name = i == 0 ? "scan_rdp" : "scan_smb";
		g->feeds[i].columns = ss_cols;
		g->feeds[i].ncolumns = NCOLS;
	}
	for (i = 0; i < nrows; i++) {
		struct mp_notify_list_row *r = &g->rows[i];

		r->feed = i % nfeeds;
		r->seen = 1714550400 + (time_t)(i * 61);	/* 2024-05-01 08:00 */
		snprintf(g->cellbuf[i][0], 160, "2024-05-01 %02zu:%02zu:%02zu",
		    8 + i * 61 / 3600 % 16, i * 61 / 60 % 60, i * 61 % 60);
		snprintf(g->cellbuf[i][1], 160, "198.51.%zu.%zu", i / 250,
		    i % 250 + 1);
		snprintf(g->cellbuf[i][2], 160, "%zu", 3389 + i % 3);
		snprintf(g->cellbuf[i][3], 160, "tcp");
		snprintf(g->cellbuf[i][4], 160, "host%zu.example.nl", i);
		snprintf(g->cellbuf[i][5], 160, "rdp;cve-2019-0708");
		snprintf(g->cellbuf[i][6], 160, "64500");
		snprintf(g->cellbuf[i][7], 160, "banner %zu, \"quoted\"", i);
		for (c = 0; c < NCOLS; c++)
			g->cells[i][c] = g->cellbuf[i][c];
		r->cells = g->cells[i];
		r->ncells = NCOLS;
		r->ip = g->cellbuf[i][1];
		r->port = (unsigned)(3389 + i % 3);
		r->protocol = "tcp";
		r->hostname = g->cellbuf[i][4];
		r->tags = "rdp,cve-2019-0708";
		r->cves = "CVE-2019-0708";
		r->asn = 64500;
	}
	g->list.type = type;
	g->list.feeds = g->feeds;
	g->list.nfeeds = nfeeds;
	g->list.rows = g->rows;
	g->list.nrows = nrows;
	return g;
}

static struct mp_notify_conf
conf(void)
{
	struct mp_notify_conf c = notify_fx_conf();

	c.ticket = "20240501-00000042";
	c.reply_to = "helpdesk@meldpunt.example";
	return c;
}

static struct mp_notice *
render(const struct mp_notify_list *l, enum mp_lang lang,
    const struct mp_notify_conf *c)
{
	struct mp_notice *n = NULL;
	struct mp_error err;

	mp_error_clear(&err);
	if (mp_notify_render_list(set, l, lang, c, &n, &err) != MP_OK)
		ck_abort_msg("render: %s", err.msg);
	notify_fx_assert_7bit(n->message, n->message_len);
	return n;
}

/* --- reading the message back --- */

struct att {
	char name[128];
	char type[64];
	unsigned char *data;
	size_t len;
};

/* The decoded text part and every attachment, via GMime. */
static size_t
read_back(const struct mp_notice *n, char **text, struct att *att,
    size_t maxatt)
{
	struct mp_message_limits lim;
	struct mp_message *m = NULL;
	struct mp_error err;
	const struct mp_part *p;
	GByteArray *ba;
	size_t i, k = 0;
	int texts = 0;

	mp_message_limits_default(&lim);
	lim.max_size = n->message_len + 1;
	ck_assert_int_eq(mp_message_parse(n->message, n->message_len, &lim, &m,
	    &err), MP_OK);
	*text = NULL;
	for (i = 0; i < mp_message_nparts(m); i++) {
		p = mp_message_part(m, i);
		if (!GMIME_IS_PART(p->obj))
			continue;
		ck_assert_int_eq(mp_message_part_content(p->obj, 1u << 30, &ba,
		    &err), MP_OK);
		if (texts++ == 0) {
			/* MIME text is CRLF; the rendered text (n->text) LF */
			char *t = malloc(ba->len + 1), *o = t;
			size_t j;

			for (j = 0; j < ba->len; j++) {
				if (ba->data[j] == '\r') {
					ck_assert(j + 1 < ba->len &&
					    ba->data[j + 1] == '\n');
					continue;
				}
				*o++ = (char)ba->data[j];
			}
			*o = '\0';
			*text = t;
		} else {
			GMimeContentType *ct =
			    g_mime_object_get_content_type(p->obj);
			char *mt = g_mime_content_type_get_mime_type(ct);

			ck_assert_uint_lt(k, maxatt);
			snprintf(att[k].name, sizeof(att[k].name), "%s",
			    g_mime_part_get_filename(GMIME_PART(p->obj)));
			snprintf(att[k].type, sizeof(att[k].type), "%s", mt);
			g_free(mt);
			att[k].data = malloc(ba->len + 1);
			memcpy(att[k].data, ba->data, ba->len);
			att[k].len = ba->len;
			k++;
		}
		g_byte_array_unref(ba);
	}
	mp_message_free(&m);
	ck_assert_ptr_nonnull(*text);
	return k;
}

static void
atts_free(struct att *att, size_t n)
{
	while (n-- > 0)
		free(att[n].data);
}

/* A CSV read back with libcsv (strict): fields[row][col]. */
struct csvback {
	char **f;		/* nrows * ncols_max fields */
	size_t nrows, ncols[MAXROWS + 1], col;
};

#define CB_COLS 16

static void
cb_field(void *s, size_t len, void *data)
{
	struct csvback *b = data;

	ck_assert_uint_lt(b->nrows, MAXROWS + 1);
	ck_assert_uint_lt(b->col, CB_COLS);
	b->f[b->nrows * CB_COLS + b->col++] = strndup(s ? s : "", len);
}

static void
cb_row(int c, void *data)
{
	struct csvback *b = data;

	(void)c;
	b->ncols[b->nrows++] = b->col;
	b->col = 0;
}

static struct csvback *
csv_back(const unsigned char *data, size_t len)
{
	struct csvback *b = calloc(1, sizeof(*b));
	struct csv_parser p;

	b->f = calloc((MAXROWS + 1) * CB_COLS, sizeof(char *));
	ck_assert_int_eq(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI |
	    CSV_APPEND_NULL), 0);
	ck_assert_uint_eq(csv_parse(&p, data, len, cb_field, cb_row, b), len);
	ck_assert_int_eq(csv_fini(&p, cb_field, cb_row, b), 0);
	csv_free(&p);
	return b;
}

static const char *
csv_at(const struct csvback *b, size_t row, size_t col)
{
	ck_assert_uint_lt(col, b->ncols[row]);
	return b->f[row * CB_COLS + col];
}

static void
csv_free_back(struct csvback *b)
{
	size_t i;

	for (i = 0; i < (MAXROWS + 1) * CB_COLS; i++)
		free(b->f[i]);
	free(b->f);
	free(b);
}

/* Every row of feed f exactly once, in order, with its cells (benign). */
static void
assert_csv_rows(const struct group *g, size_t f, const unsigned char *data,
    size_t len)
{
	struct csvback *b = csv_back(data, len);
	size_t i, c, k = 1;

	ck_assert_uint_eq(b->ncols[0], g->feeds[f].ncolumns);
	for (c = 0; c < g->feeds[f].ncolumns; c++)
		ck_assert_str_eq(csv_at(b, 0, c), g->feeds[f].columns[c]);
	for (i = 0; i < g->list.nrows; i++) {
		if (g->rows[i].feed != f)
			continue;
		ck_assert_uint_lt(k, b->nrows);
		ck_assert_uint_eq(b->ncols[k], g->rows[i].ncells);
		for (c = 0; c < g->rows[i].ncells; c++)
			ck_assert_str_eq(csv_at(b, k, c), g->rows[i].cells[c]);
		k++;
	}
	ck_assert_uint_eq(b->nrows, k);	/* nothing else */
	csv_free_back(b);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay += strlen(needle))
		n++;
	return n;
}

/* Text checks that name what was missing, not the expression. */
#define HAS(t, s)	has_((t), (s), 1, __LINE__)
#define HASNT(t, s)	has_((t), (s), 0, __LINE__)

static void
has_(const char *text, const char *s, int want, int line)
{
	if ((strstr(text, s) != NULL) != want && getenv("MP_DEBUG_TEXT"))
		fprintf(stderr, "----\n%s\n----\n", text);
	if ((strstr(text, s) != NULL) != want)
		ck_abort_msg("line %d: %s \"%.300s\"", line,
		    want ? "missing" : "unwanted", s);
}

/* --- tests --- */

START_TEST(rows_and_table)
{
	struct group *g = group_new("vulnerable-service", 57, 1);
	struct mp_notify_conf c = conf();
	struct mp_notice *n;
	struct att att[4];
	char *text, ip[64];
	size_t na, i;

	g->feeds[0].filename = "2024-05-01-scan_rdp-example-asn-nl.csv";
	g->feeds[0].reporter = "The Shadowserver Foundation";
	g->feeds[0].report_id = "ss-2024-05-01";
	n = render(&g->list, MP_LANG_NL, &c);
	na = read_back(n, &text, att, 4);
	ck_assert_msg(strcmp(text, n->text) == 0, "the text part decodes "
	    "to the rendered text");
	ck_assert_uint_eq(na, 1);
	ck_assert_str_eq(att[0].name, "2024-05-01-scan_rdp-example-asn-nl.csv");
	ck_assert_str_eq(att[0].type, "text/csv");
	assert_csv_rows(g, 0, att[0].data, att[0].len);

	/* the template's words, the group's values */
	ck_assert_str_eq(n->subject_text, "[Meldpunt #20240501-00000042] "
	    "Beveiligingsmelding: 57 kwetsbare diensten in uw netwerk");
	HAS(text, "- Aantal waarnemingen: 57\n");
	HAS(text, "- Gezien tussen 2024-05-01 "
	    "08:00:00 UTC en 2024-05-01 08:56:56 UTC\n");
	HAS(text, "- Rapport: scan_rdp\n");
	HAS(text, "- Gemeld door: The Shadowserver "
	    "Foundation\n");
	HAS(text, "- Kenmerk van de melder: "
	    "ss-2024-05-01\n");
	HASNT(text, "{{");
	HASNT(text, "\n\n\n");

	/* the table: the first 20 rows, once each, then how many more */
	HAS(text, "\nDe eerste 20 van de 57 "
	    "waarnemingen:\n\nTijd (UTC)        IP-adres     Poort  "
	    "Protocol  Hostnaam           Labels / CVE's\n----------------  "
	    "-----------  -----  --------  -----------------  "
	    "-----------------\n2024-05-01 08:00  198.51.0.1   3389   tcp"
	    "       host0.example.nl   rdp,cve-2019-0708\n");
	for (i = 0; i < 57; i++) {
		snprintf(ip, sizeof(ip), "  %s ", g->rows[i].ip);
		ck_assert_uint_eq(count(text, ip), i < 20 ? 1 : 0);
	}
	HAS(text, "host19.example.nl");
	HASNT(text, "host20.example.nl");
	HAS(text, "\n... en nog 37 regels in de "
	    "bijlage.\n\nAlle waarnemingen staan in de bijlage:\n"
	    "- 2024-05-01-scan_rdp-example-asn-nl.csv\nDat is een tabel");
	/* after the template text, before the footer */
	ck_assert(strstr(text, "met voorrang") < strstr(text, "De eerste 20"));
	ck_assert(strstr(text, "De eerste 20") < strstr(text, "Is dit bericht "
	    "echt?"));
	HAS(text, "In de bijlage staan alleen "
	    "gegevens");
	HASNT(text, "oorspronkelijke rapport");
	HAS(text, "Ticketnummer: 20240501-00000042\n");
	HAS(text, "Laat [Meldpunt #20240501-00000042] in de onderwerpregel");

	/* the headers of every notification */
	ck_assert_str_eq(n->to, "abuse@example.nl");
	ck_assert_str_eq(n->reply_to, "<helpdesk@meldpunt.example>");
	ck_assert(strncmp(n->subject, "[Meldpunt #20240501-00000042] ", 30) == 0);
	HAS(n->message, "\r\nX-Meldpunt-Id: ");
	HAS(n->message, "\r\nAuto-Submitted: "
	    "auto-generated\r\n");
	HAS(n->message, "\r\nContent-Language: nl\r\n");
	ck_assert(strncmp(n->message_id, "<MP-", 4) == 0);
	atts_free(att, na);
	free(text);
	mp_notice_free(&n);

	/* all rows fit: no "more" line; one row: singular words */
	g->list.nrows = 12;
	n = render(&g->list, MP_LANG_EN, &c);
	HAS(n->text, "\nThe 12 findings:\n\n");
	HASNT(n->text, "more row");
	ck_assert_str_eq(n->subject_text, "[Meldpunt #20240501-00000042] "
	    "Security notice: 12 vulnerable services on your network");
	mp_notice_free(&n);
	g->list.nrows = 1;
	n = render(&g->list, MP_LANG_NL, &c);
	ck_assert_str_eq(n->subject_text, "[Meldpunt #20240501-00000042] "
	    "Beveiligingsmelding: een kwetsbare dienst in uw netwerk");
	HAS(n->text, "\nDe waarneming:\n\n");
	HAS(n->text, "- Tijdstip: 2024-05-01 "
	    "08:00:00 UTC\n");
	HASNT(n->text, "Gezien tussen");
	mp_notice_free(&n);
	free(g);
}
END_TEST

START_TEST(languages)
{
	struct group *g = group_new("malware", 30, 1);
	struct mp_notify_conf c = conf();
	struct mp_notice *n;
	char *text;
	struct att att[2];
	size_t na;

	n = render(&g->list, MP_LANG_EN, &c);
	HAS(n->text, "Hello");
	HASNT(n->text, "Goedendag");
	HAS(n->text, "\nThe first 20 of the 30 "
	    "findings:\n\nTime (UTC)        IP address");
	HAS(n->text, "\n... and 10 more rows in the "
	    "attachment.\n");
	HAS(n->text, "Is this message genuine?");
	HAS(n->message, "\r\nContent-Language: en\r\n");
	mp_notice_free(&n);

	n = render(&g->list, MP_LANG_UNKNOWN, &c);
	ck_assert(strstr(n->text, "Goedendag") < strstr(n->text, "Hello"));
	ck_assert_uint_eq(count(n->text, "198.51.0.20 "), 2);	/* two tables */
	ck_assert_uint_eq(count(n->text, "198.51.0.21 "), 0);
	HAS(n->text, "Tijd (UTC)");
	HAS(n->text, "Time (UTC)");
	ck_assert_str_eq(n->subject_text, "[Meldpunt #20240501-00000042] "
	    "Beveiligingsmelding: mogelijk besmette apparaten in uw netwerk / "
	    "Security notice: devices on your network may be infected");
	HAS(n->message, "\r\nContent-Language: nl, en\r\n");
	na = read_back(n, &text, att, 2);
	ck_assert_uint_eq(na, 1);	/* one attachment for both languages */
	ck_assert_msg(strcmp(text, n->text) == 0, "the text part decodes "
	    "to the rendered text");
	/* no file name, a ticket: meldpunt-TYPE-TICKET.csv */
	ck_assert_str_eq(att[0].name, "meldpunt-malware-20240501-00000042.csv");
	atts_free(att, na);
	free(text);
	mp_notice_free(&n);

	/* neither: the notice id; no ticket, no Reply-To */
	c.ticket = NULL;
	c.reply_to = NULL;
	c.notice_id = "MP-test-7";
	n = render(&g->list, MP_LANG_NL, &c);
	HAS(n->text, "- meldpunt-malware-MP-test-7.csv\n");
	ck_assert_str_eq(n->subject_text, "Beveiligingsmelding: mogelijk "
	    "besmette apparaten in uw netwerk");
	ck_assert_ptr_null(n->reply_to);
	HASNT(n->message, "Reply-To:");
	HAS(n->text, "Kenmerk van deze melding: "
	    "MP-test-7");
	mp_notice_free(&n);
	free(g);
}
END_TEST

START_TEST(every_type_and_language)
{
	struct group *g = group_new("other", 30, 2);
	struct mp_notify_conf c = conf();
	struct mp_notice *n;
	size_t t, rows[] = { 1, 30 }, k, i;
	int l;

	for (t = 0; t < MP_TYPE_COUNT; t++) {
		g->list.type = mp_report_type_name(t);
		for (k = 0; k < 2; k++) {
			g->list.nrows = rows[k];
			for (l = MP_LANG_NL; l <= MP_LANG_UNKNOWN; l++) {
				n = render(&g->list, l, &c);
				HASNT(n->text, "{{");
				ck_assert_msg(strstr(n->text, "\n\n\n") == NULL,
				    "%s lang %d rows %zu", g->list.type, l, rows[k]);
				mp_notice_free(&n);
			}
		}
	}
	/* nothing known but the rows' cells */
	g->list.type = "other";
	g->list.nrows = 3;
	for (i = 0; i < 3; i++) {
		memset(&g->rows[i], 0, offsetof(struct mp_notify_list_row,
		    cells));
		g->rows[i].feed = 0;
	}
	g->feeds[0].name = NULL;
	for (l = MP_LANG_NL; l <= MP_LANG_UNKNOWN; l++) {
		n = render(&g->list, l, &c);
		HASNT(n->text, "{{");
		HASNT(n->text, "\n\n\n");
		HASNT(n->text, "Tijd (UTC)");
		mp_notice_free(&n);
	}
	free(g);
}
END_TEST

START_TEST(two_feeds)
{
	static const char *const list_cols[] = { "ip", "port", "type",
	    "comment" };
	struct group *g = group_new("vulnerable-service", 45, 2);
	struct mp_notify_conf c = conf();
	struct mp_notice *n;
	struct att att[4];
	char *text;
	size_t na, i;

	/* feed 1: another table with its own columns */
	g->feeds[1].name = "list";
	g->feeds[1].columns = list_cols;
	g->feeds[1].ncolumns = 4;
	g->feeds[1].case_ref = "DIVD-2024-00011";
	g->feeds[0].case_ref = "DIVD-2024-00011";
	g->feeds[0].reporter = "Shadowserver";
	g->feeds[1].reporter = "DIVD";
	for (i = 1; i < 45; i += 2)
		g->rows[i].ncells = 4;
	n = render(&g->list, MP_LANG_NL, &c);
	na = read_back(n, &text, att, 4);
	ck_assert_uint_eq(na, 2);
	/* both without a file name: one name each */
	ck_assert_str_eq(att[0].name, "meldpunt-vulnerable-service-"
	    "20240501-00000042.csv");
	ck_assert_str_eq(att[1].name, "meldpunt-vulnerable-service-"
	    "20240501-00000042-2.csv");
	assert_csv_rows(g, 0, att[0].data, att[0].len);
	assert_csv_rows(g, 1, att[1].data, att[1].len);
	/* the group's values join the feeds' distinct values */
	HAS(text, "- Rapport: scan_rdp, list\n");
	HAS(text, "- Gemeld door: Shadowserver, DIVD\n");
	HAS(text, "- Zaaknummer van de melder: "
	    "DIVD-2024-00011\n");
	/* rows from differently named feeds: the table says which */
	HAS(text, "  Rapport\n");
	HAS(text, "  scan_rdp\n");
	HAS(text, "\nAlle waarnemingen staan in de "
	    "bijlagen:\n- meldpunt-vulnerable-service-20240501-00000042.csv\n"
	    "- meldpunt-vulnerable-service-20240501-00000042-2.csv\n"
	    "Dat zijn tabellen");
	atts_free(att, na);
	free(text);
	mp_notice_free(&n);

	/* the same file name twice, zipped names made safe */
	g->feeds[0].filename = "../../etc/2024-05-01-scan_rdp.csv.zip";
	g->feeds[1].filename = "C:\\x\\2024-05-01-scan_rdp.csv";
	n = render(&g->list, MP_LANG_EN, &c);
	na = read_back(n, &text, att, 4);
	ck_assert_str_eq(att[0].name, "2024-05-01-scan_rdp.csv");
	ck_assert_str_eq(att[1].name, "2024-05-01-scan_rdp-2.csv");
	atts_free(att, na);
	free(text);
	mp_notice_free(&n);

	/* a feed without rows in the group: no attachment for it */
	for (i = 0; i < 45; i++)
		g->rows[i].feed = 0;
	for (i = 0; i < 45; i++)
		g->rows[i].ncells = NCOLS;
	n = render(&g->list, MP_LANG_EN, &c);
	na = read_back(n, &text, att, 4);
	ck_assert_uint_eq(na, 1);
	HASNT(text, "  Report\n");
	HAS(text, "- Report: scan_rdp\n");
	atts_free(att, na);
	free(text);
	mp_notice_free(&n);
	free(g);
}
END_TEST

START_TEST(hostile_cells)
{
	static const struct { const char *in, *csv; } cases[] = {
		{ "=HYPERLINK(\"http://evil.example/\",\"x\")",
		  "'=HYPERLINK(\"http://evil.example/\",\"x\")" },
		{ "+1+cmd", "'+1+cmd" },
		{ "-2+3", "'-2+3" },
		{ "@SUM(A1)", "'@SUM(A1)" },
		{ "\t=1+2", "'=1+2" },
		{ "\r=1+2", "'=1+2" },
		{ "-22.5", "-22.5" },
		{ "a\r\nBcc: victim@example.org\r\n\r\nbody", "a Bcc: "
		  "victim@example.org body" },
		{ "nul\x01" "bell\x07", "nul bell" },
		{ "caf\xc3\xa9 \xff", "caf\xc3\xa9 ?" },
	};
	static const char *const cols[] = { "ip", "note" };
	struct group *g = group_new("open-service", 10, 1);
	struct mp_notify_conf c = conf();
	struct mp_notice *n;
	struct csvback *b;
	struct att att[2];
	char *text;
	size_t na, i;

	g->feeds[0].columns = cols;
	g->feeds[0].ncolumns = 2;
	for (i = 0; i < 10; i++) {
		g->cells[i][1] = cases[i].in;
		g->rows[i].ncells = 2;
		g->rows[i].hostname = cases[i].in;
		g->rows[i].tags = NULL;
		g->rows[i].cves = NULL;
	}
	g->rows[0].ip = "192.0.2.1\r\nBcc: victim@example.org";
	g->rows[1].protocol = "\xe2\x80\xae" "pct";	/* U+202E */
	/* a long value is cut to its column in the table */
	memset(g->cellbuf[9][4], 'h', 100);
	g->cellbuf[9][4][100] = '\0';
	g->rows[9].hostname = g->cellbuf[9][4];
	n = render(&g->list, MP_LANG_NL, &c);
	na = read_back(n, &text, att, 2);
	b = csv_back(att[0].data, att[0].len);
	ck_assert_uint_eq(b->nrows, 11);
	for (i = 0; i < 10; i++)
		ck_assert_msg(strcmp(csv_at(b, i + 1, 1), cases[i].csv) == 0,
		    "case %zu: \"%s\"", i, csv_at(b, i + 1, 1));
	csv_free_back(b);
	/* the table: the same defanging, no header line can start */
	HASNT(text, "\nBcc:");
	HASNT(n->message, "\r\nBcc:");
	HAS(text, "192.0.2.1 Bcc: victim@example.o");
	HAS(text, "  '=HYPERLINK(\"http://evil.exa");
	HAS(text, "  '+1+cmd\n");
	HAS(text, "  '@SUM(A1)\n");
	HAS(text, "  '=1+2\n");
	HAS(text, "  -22.5\n");
	HASNT(text, "\xe2\x80\xae");
	HAS(text, "\xef\xbf\xbdpct");
	HAS(text, " hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"
	    "\xe2\x80\xa6");
	HASNT(text, "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh");
	for (i = 0; text[i] != '\0'; i++)
		ck_assert_msg((unsigned char)text[i] >= 0x20 || text[i] == '\n',
		    "control 0x%02x at %zu", text[i], i);
	atts_free(att, na);
	free(text);
	mp_notice_free(&n);
	free(g);
}
END_TEST

START_TEST(passwords)
{
	static const char *const cols[] = { "ip", "email", "password",
	    "source" };
	static const char *const row[] = { "192.0.2.9", "jan@example.nl",
	    "hunter2", "dump: jan@example.nl;correcthorse" };
	struct group *g = group_new("leaked-credentials", 1, 1);
	struct mp_notify_conf c = conf();
	struct mp_notice *n;
	struct csvback *b;
	struct att att[2];
	char *text;
	size_t na;

	g->feeds[0].columns = cols;
	g->feeds[0].ncolumns = 4;
	g->rows[0].cells = row;
	g->rows[0].ncells = 4;
	g->rows[0].tags = "https://jan:hunter2@mail.example.nl/";
	n = render(&g->list, MP_LANG_EN, &c);
	ck_assert_int_eq(n->redacted, 1);
	na = read_back(n, &text, att, 2);
	b = csv_back(att[0].data, att[0].len);
	ck_assert_str_eq(csv_at(b, 0, 2), "password");
	ck_assert_str_eq(csv_at(b, 1, 1), "jan@example.nl");
	ck_assert_str_eq(csv_at(b, 1, 2), "[REDACTED]");
	ck_assert_str_eq(csv_at(b, 1, 3), "dump: jan@example.nl;[REDACTED]");
	csv_free_back(b);
	ck_assert_ptr_null(memmem(att[0].data, att[0].len, "hunter2", 7));
	HASNT(text, "hunter2");
	HASNT(text, "correcthorse");
	HAS(text, "replaced by\n[REDACTED]");
	atts_free(att, na);
	free(text);
	mp_notice_free(&n);
	free(g);

	ck_assert_int_eq(mp_redact_key("password"), 1);
	ck_assert_int_eq(mp_redact_key("User_Password"), 1);
	ck_assert_int_eq(mp_redact_key("auth_token"), 1);
	ck_assert_int_eq(mp_redact_key("pw"), 1);
	ck_assert_int_eq(mp_redact_key("smtp_pass"), 1);
	ck_assert_int_eq(mp_redact_key("passive"), 0);
	ck_assert_int_eq(mp_redact_key("compass"), 0);
	ck_assert_int_eq(mp_redact_key("hostname"), 0);
}
END_TEST

/* A zip in memory with one entry: its name and bytes. */
static unsigned char *
unzip_one(const unsigned char *data, size_t len, char *name, size_t namesz,
    size_t *outlen)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_stat_t st;
	zip_file_t *zf;
	zip_t *za;
	unsigned char *out;

	zip_error_init(&ze);
	src = zip_source_buffer_create(data, len, 0, &ze);
	ck_assert_ptr_nonnull(src);
	za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
	ck_assert_ptr_nonnull(za);
	ck_assert_int_eq(zip_get_num_entries(za, 0), 1);
	ck_assert_int_eq(zip_stat_index(za, 0, 0, &st), 0);
	snprintf(name, namesz, "%s", st.name);
	ck_assert_int_eq(st.comp_method, ZIP_CM_DEFLATE);
	out = malloc(st.size + 1);
	zf = zip_fopen_index(za, 0, 0);
	ck_assert_ptr_nonnull(zf);
	ck_assert_int_eq(zip_fread(zf, out, st.size), (zip_int64_t)st.size);
	zip_fclose(zf);
	zip_close(za);
	zip_error_fini(&ze);
	*outlen = st.size;
	return out;
}

START_TEST(zipped_above_threshold)
{
	struct group *g = group_new("open-service", 6500, 2);
	struct mp_notify_conf c = conf();
	struct mp_notice *n;
	struct att att[4];
	unsigned char *csv;
	char *text, entry[128];
	size_t na, i, len;

	/* feed 0: ~6500 rows of 100+ bytes; feed 1 few rows: stays CSV */
	for (i = 0; i < 6500; i++) {
		g->rows[i].feed = i < 6490 ? 0 : 1;
		snprintf(g->cellbuf[i][7], 160, "%0120zu", i * 7919);
	}
	g->feeds[0].filename = "2024-05-01-scan_rdp-example-asn-nl.csv.zip";
	n = render(&g->list, MP_LANG_NL, &c);
	na = read_back(n, &text, att, 4);
	ck_assert_uint_eq(na, 2);
	ck_assert_str_eq(att[0].name, "2024-05-01-scan_rdp-example-asn-nl.zip");
	ck_assert_str_eq(att[0].type, "application/zip");
	ck_assert_str_eq(att[1].type, "text/csv");
	ck_assert_uint_lt(att[0].len, MP_NOTIFY_LIST_ZIP_AT / 2);
	csv = unzip_one(att[0].data, att[0].len, entry, sizeof(entry), &len);
	ck_assert_str_eq(entry, "2024-05-01-scan_rdp-example-asn-nl.csv");
	ck_assert_uint_gt(len, MP_NOTIFY_LIST_ZIP_AT);
	assert_csv_rows(g, 0, csv, len);
	assert_csv_rows(g, 1, att[1].data, att[1].len);
	free(csv);
	HAS(text, "- 2024-05-01-scan_rdp-example-asn-"
	    "nl.zip (een zip-bestand: pak het eerst uit)\n");
	HAS(text, "... en nog 6480 regels in de "
	    "bijlage.");
	atts_free(att, na);
	free(text);
	mp_notice_free(&n);
	free(g);
}
END_TEST

START_TEST(limits_and_errors)
{
	struct group *g = group_new("open-service", 3000, 1);
	struct mp_notify_conf c = conf();
	struct mp_notice *n = NULL;
	struct mp_error err;
	size_t i;

	/* random-looking cells: they do not compress away */
	for (i = 0; i < 3000; i++) {
		unsigned long x = 2654435761ul * (i + 1);

		snprintf(g->cellbuf[i][7], 160, "%lx%lx%lx%lx", x, x * 31 + 7,
		    x * 131 + 3, x ^ 0x5bd1e995ul);
	}
	g->list.max_bytes = 100000;
	ck_assert_int_eq(mp_notify_render_list(set, &g->list, MP_LANG_NL, &c,
	    &n, &err), MP_ELIMIT);
	ck_assert_ptr_null(n);
	ck_assert_msg(strstr(err.msg, "larger than 100000 bytes (limit): 3000 "
	    "rows") != NULL, "%s", err.msg);
	/* the same rows fit the default limit */
	g->list.max_bytes = 0;
	ck_assert_int_eq(mp_notify_render_list(set, &g->list, MP_LANG_NL, &c,
	    &n, &err), MP_OK);
	ck_assert_uint_le(n->message_len, MP_NOTIFY_MESSAGE_MAX);
	mp_notice_free(&n);
	/* the attachment fits, the whole message does not */
	g->list.nrows = 1;
	g->list.max_bytes = 3000;
	ck_assert_int_eq(mp_notify_render_list(set, &g->list, MP_LANG_NL, &c,
	    &n, &err), MP_ELIMIT);
	ck_assert_msg(strstr(err.msg, "larger than 3000 bytes (limit)") != NULL,
	    "%s", err.msg);
	g->list.max_bytes = 20000;
	ck_assert_int_eq(mp_notify_render_list(set, &g->list, MP_LANG_NL, &c,
	    &n, &err), MP_OK);
	ck_assert_uint_le(n->message_len, 20000);
	mp_notice_free(&n);

	g->list.nrows = 0;
	ck_assert_int_eq(mp_notify_render_list(set, &g->list, MP_LANG_NL, &c,
	    &n, &err), MP_EINPUT);
	ck_assert_msg(strstr(err.msg, "at least one row") != NULL, "%s", err.msg);
	g->list.nrows = 2;
	g->rows[1].feed = 1;
	ck_assert_int_eq(mp_notify_render_list(set, &g->list, MP_LANG_NL, &c,
	    &n, &err), MP_EINPUT);
	ck_assert_msg(strstr(err.msg, "row 2 names feed 1 of 1") != NULL, "%s",
	    err.msg);
	g->rows[1].feed = 0;
	g->list.type = "vulnerable_service";
	ck_assert_int_eq(mp_notify_render_list(set, &g->list, MP_LANG_NL, &c,
	    &n, &err), MP_EINPUT);
	ck_assert_msg(strstr(err.msg, "\"vulnerable_service\" is not a report "
	    "type") != NULL, "%s", err.msg);
	g->list.type = "spam";
	c.ticket = "2024-05-01";
	ck_assert_int_eq(mp_notify_render_list(set, &g->list, MP_LANG_NL, &c,
	    &n, &err), MP_EINPUT);
	c = conf();
	c.reply_to = "helpdesk";
	ck_assert_int_eq(mp_notify_render_list(set, &g->list, MP_LANG_NL, &c,
	    &n, &err), MP_ECONFIG);
	ck_assert_ptr_null(n);
	free(g);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("notify-list");
	TCase *tc = tcase_create("notify-list");

	tcase_add_unchecked_fixture(tc, load_set, free_set);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rows_and_table);
	tcase_add_test(tc, languages);
	tcase_add_test(tc, every_type_and_language);
	tcase_add_test(tc, two_feeds);
	tcase_add_test(tc, hostile_cells);
	tcase_add_test(tc, passwords);
	tcase_add_test(tc, zipped_above_threshold);
	tcase_add_test(tc, limits_and_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	g_mime_init();
	return mp_check_run(suite());
}
