/*
 * libFuzzer target: render a notification from hostile report values.
 * Input: NUL-separated fields (domain, url, reporter, type detail,
 * service, evidence). Any rendering that is not 7-bit clean, or that
 * lets a value start a header line, aborts. The same fields then make
 * a list notification (notify_list.h): column names, cells, file
 * names and the table's values.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"
#include "notify_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mp_template_set *set;

static void
load(void)
{
	struct mp_error err;
	const char *dir = getenv("MP_TEMPLATES");
	char path[4096];

	if (dir == NULL) {
		/* The binary lives in BUILD/tests/fuzz; sources next to BUILD. */
		snprintf(path, sizeof(path), "%s/templates", TOP_SRCDIR);
		dir = path;
	}
	if (mp_templates_load(dir, &set, &err) != MP_OK)
		abort();
}

static void
check_headers(const struct mp_notice *n)
{
	const char *p = n->message, *end = strstr(n->message, "\r\n\r\n");
	size_t lines = 0;

	for (; p < end; p = strstr(p, "\r\n") + 2)
		if (*p != ' ' && *p != '\t')
			lines++;
	if (lines != n->nheaders)
		abort();
}

/* Two feeds, three rows, everything from the hostile fields. */
static void
render_list(const struct mp_notify_conf *c, char *const f[6], uint8_t d)
{
	const char *cells[6];
	struct mp_notify_list_feed feeds[2];
	struct mp_notify_list_row rows[3];
	struct mp_notify_list l;
	struct mp_notice *n = NULL;
	struct mp_error err;
	size_t i;

	for (i = 0; i < 6; i++)
		cells[i] = f[i] != NULL ? f[i] : "";
	memset(feeds, 0, sizeof(feeds));
	memset(rows, 0, sizeof(rows));
	for (i = 0; i < 2; i++) {
		feeds[i].name = cells[i];
		feeds[i].filename = cells[3 + i];
		feeds[i].reporter = cells[2];
		feeds[i].columns = cells;
		feeds[i].ncolumns = 6;
	}
	for (i = 0; i < 3; i++) {
		rows[i].feed = i % 2;
		rows[i].seen = 1714550400 + (time_t)i;
		rows[i].ip = cells[i];
		rows[i].port = d;
		rows[i].protocol = cells[4];
		rows[i].hostname = cells[0];
		rows[i].tags = cells[3];
		rows[i].cves = cells[1];
		rows[i].cells = cells;
		rows[i].ncells = 6 - i;
	}
	memset(&l, 0, sizeof(l));
	l.type = mp_report_type_name((enum mp_report_type)(d % MP_TYPE_COUNT));
	l.feeds = feeds;
	l.nfeeds = 2;
	l.rows = rows;
	l.nrows = 3;
	if (mp_notify_render_list(set, &l, (enum mp_lang)(d % 3), c, &n,
	    &err) != MP_OK)
		abort();	/* nothing in a row may make rendering fail */
	check_headers(n);
	mp_notice_free(&n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const to[] = { "abuse@example.nl" };
	struct mp_notify_conf c = { .from_addr = "m@meldpunt.example",
	    .from_name = "Meldpunt", .to = to, .nto = 1, .now = 1714564800 };
	char *buf, *f[6] = { 0 };
	struct mp_report r;
	struct mp_notice *n = NULL;
	struct mp_error err;
	size_t i, k = 0;

	if (set == NULL)
		load();
	if (size < 2)
		return 0;
	buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	f[k++] = buf;
	for (i = 0; i < size - 1 && k < 6; i++)
		if (buf[i] == '\0')
			f[k++] = buf + i + 1;
	memset(&r, 0, sizeof(r));
	r.type = (enum mp_report_type)(data[0] % MP_TYPE_COUNT);
	r.domain = f[0];
	r.url = f[1];
	r.reporter_org = f[2];
	r.type_detail = f[3];
	r.service = f[4];
	r.source_ip = "192.0.2.1";
	if (f[5] != NULL) {
		r.evidence.data = (unsigned char *)f[5];
		r.evidence.len = strlen(f[5]);
		r.evidence.content_type = f[4];
		r.evidence.filename = f[3];
	}
	if (mp_notify_render(set, &r, (enum mp_lang)(data[0] % 3), &c,
	    &n, &err) != MP_OK)
		abort();	/* nothing in a report may make rendering fail */
	check_headers(n);
	mp_notice_free(&n);
	render_list(&c, f, data[0]);
	free(buf);
	return 0;
}
