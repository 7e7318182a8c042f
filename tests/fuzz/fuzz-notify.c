/*
 * libFuzzer target: render a notification from hostile report values.
 * Input: NUL-separated fields (domain, url, reporter, type detail,
 * service, evidence). Any rendering that is not 7-bit clean, or that
 * lets a value start a header line, aborts.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"

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
	free(buf);
	return 0;
}
