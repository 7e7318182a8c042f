/*
 * meldpunt-parse - parse abuse reports as the milter would, and show them
 *
 * meldpunt-parse [--json] FILE...
 * meldpunt-parse --mapping
 *
 * Exit 0 when every FILE held a report, 2 when one did not (with
 * "FILE: not a report: <why>" on stderr), 1 on usage or read errors.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gmime/gmime.h>
#include <jansson.h>

#include "message.h"
#include "report.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: meldpunt-parse [--json] FILE...\n"
	    "       meldpunt-parse --mapping\n");
}

/* The whole file, at most `max` + 1 bytes so the parser can name the limit. */
static char *
slurp(const char *path, size_t max, size_t *lenp)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t len = 0, size = 0, n;
	char *buf = NULL, *p;

	if (fp == NULL)
		return NULL;
	do {
		if (len == size) {
			size = size ? size * 2 : 65536;
			if (size > max + 1)
				size = max + 1;
			if ((p = realloc(buf, size + 1)) == NULL) {
				free(buf);
				buf = NULL;
				errno = ENOMEM;
				break;
			}
			buf = p;
		}
		n = fread(buf + len, 1, size - len, fp);
		len += n;
	} while (n > 0 && len <= max);
	if (buf != NULL && ferror(fp)) {
		free(buf);
		buf = NULL;
	}
	if (fp != stdin)
		fclose(fp);
	*lenp = len;
	return buf;
}

static void
fmt_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(buf, size, "-");
	else
		strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
jstr_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
jtime(time_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	fmt_time(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
jint(long long v)
{
	return v != 0 ? json_integer(v) : json_null();
}

static int
print_json(const struct mp_report *r)
{
	json_t *o = json_object(), *ev = json_object(), *w = json_array();
	size_t i;
	char *s;

	json_object_set_new(o, "format", json_string(mp_report_format_name(r->format)));
	json_object_set_new(o, "type", json_string(mp_report_type_name(r->type)));
	json_object_set_new(o, "source_ip", jstr_or_null(r->source_ip));
	json_object_set_new(o, "source_port", jint(r->source_port));
	json_object_set_new(o, "domain", jstr_or_null(r->domain));
	json_object_set_new(o, "url", jstr_or_null(r->url));
	json_object_set_new(o, "asn", jint(r->asn));
	json_object_set_new(o, "reported_at", jtime(r->reported_at));
	json_object_set_new(o, "reporter", jstr_or_null(r->reporter_addr));
	json_object_set_new(o, "report_id", jstr_or_null(r->report_id));
	json_object_set_new(o, "reporter_org", jstr_or_null(r->reporter_org));
	json_object_set_new(o, "type_detail", jstr_or_null(r->type_detail));
	json_object_set_new(o, "format_version", jstr_or_null(r->format_version));
	json_object_set_new(o, "service", jstr_or_null(r->service));
	json_object_set_new(o, "service_port", jint(r->service_port));
	json_object_set_new(o, "first_seen", jtime(r->first_seen));
	json_object_set_new(o, "last_seen", jtime(r->last_seen));
	json_object_set_new(o, "occurrences", jint(r->occurrences));
	json_object_set_new(o, "tlp", jstr_or_null(r->tlp));
	json_object_set_new(ev, "content_type",
	    jstr_or_null(r->evidence.content_type));
	json_object_set_new(ev, "filename", jstr_or_null(r->evidence.filename));
	json_object_set_new(ev, "bytes", json_integer((json_int_t)r->evidence.len));
	json_object_set_new(o, "evidence", ev);
	/* Schema-required fields that were absent (report.h, the one rule). */
	for (i = 0; i < r->nwarnings; i++)
		json_array_append_new(w, json_string(r->warnings[i]));
	if (r->more_warnings > 0)
		json_array_append_new(w, json_sprintf("and %zu more",
		    r->more_warnings));
	json_object_set_new(o, "warnings", w);
	s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		return -1;
	printf("%s\n", s);
	free(s);
	return 0;
}

static void
line(const char *label, const char *value)
{
	if (value != NULL)
		printf("  %-13s%s\n", label, value);
}

static void
print_summary(const char *file, const struct mp_report *r)
{
	char buf[MP_REPORT_MAX_VALUE * 2 + 64];
	size_t i;

	printf("%s: %s report (%s%s%s)\n", file, mp_report_type_name(r->type),
	    mp_report_format_name(r->format),
	    r->type_detail ? ": " : "", r->type_detail ? r->type_detail : "");
	if (r->source_ip != NULL) {
		if (r->source_port != 0)
			snprintf(buf, sizeof(buf), strchr(r->source_ip, ':') ?
			    "[%s]:%d" : "%s:%d", r->source_ip, r->source_port);
		else
			snprintf(buf, sizeof(buf), "%s", r->source_ip);
		line("source", buf);
	}
	line("domain", r->domain);
	line("url", r->url);
	if (r->asn != 0) {
		snprintf(buf, sizeof(buf), "AS%u", (unsigned)r->asn);
		line("asn", buf);
	}
	if (r->service_port != 0) {
		snprintf(buf, sizeof(buf), "%s%sport %d",
		    r->service ? r->service : "", r->service ? ", " : "",
		    r->service_port);
		line("service", buf);
	} else
		line("service", r->service);
	if (r->reporter_addr != NULL || r->reporter_org != NULL) {
		snprintf(buf, sizeof(buf), "%s%s%s%s",
		    r->reporter_addr ? r->reporter_addr : "",
		    r->reporter_addr && r->reporter_org ? " (" : "",
		    r->reporter_org ? r->reporter_org : "",
		    r->reporter_addr && r->reporter_org ? ")" : "");
		line("reporter", buf);
	}
	line("report id", r->report_id);
	if (r->reported_at != 0) {
		fmt_time(r->reported_at, buf, sizeof(buf));
		line("reported at", buf);
	}
	if (r->first_seen != 0) {
		fmt_time(r->first_seen, buf, sizeof(buf));
		line("first seen", buf);
	}
	snprintf(buf, sizeof(buf), "%s%s%s, %zu bytes",
	    r->evidence.content_type ? r->evidence.content_type : "?",
	    r->evidence.filename ? " " : "",
	    r->evidence.filename ? r->evidence.filename : "", r->evidence.len);
	line("evidence", buf);
	for (i = 0; i < r->nwarnings; i++)
		line(i == 0 ? "warnings" : "", r->warnings[i]);
	if (r->more_warnings > 0) {
		snprintf(buf, sizeof(buf), "and %zu more", r->more_warnings);
		line("", buf);
	}
}

static void
print_mapping(void)
{
	const struct mp_report_map_row *row;
	size_t i;

	for (i = 0; (row = mp_report_map_row(i)) != NULL; i++)
		printf("%s\t%s\t%s\t%s\n", row->family, row->category, row->type,
		    mp_report_type_name(row->result));
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "mapping", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mp_message_limits lim;
	int c, json = 0, mapping = 0, status = 0, i;

	while ((c = getopt_long(argc, argv, "jmh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'm':
			mapping = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (mapping) {
		print_mapping();
		return 0;
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	mp_message_limits_default(&lim);
	g_mime_init();
	for (i = optind; i < argc; i++) {
		struct mp_report *r = NULL;
		struct mp_error err;
		size_t len;
		char *data;
		int rc;

		mp_error_clear(&err);
		if ((data = slurp(argv[i], lim.max_size, &len)) == NULL) {
			fprintf(stderr, "%s: cannot read: %s\n", argv[i],
			    strerror(errno));
			status = 1;
			continue;
		}
		rc = mp_report_parse_buffer(data, len, &lim, &r, &err);
		free(data);
		if (rc != MP_OK) {
			fprintf(stderr, "%s: %s\n", argv[i], err.msg);
			if (status == 0)
				status = rc == MP_ENOMEM ? 1 : 2;
			continue;
		}
		if (json)
			print_json(r);
		else
			print_summary(argv[i], r);
		mp_report_free(&r);
	}
	g_mime_shutdown();
	if (fflush(stdout) != 0)
		return 1;
	return status;
}
