/*
 * bench-report - reports/s and MB/s for the report layer against GMime
 * parsing the same bytes alone, in the same run.
 *
 * bench-report [SECONDS] FILE...
 *
 * Only mail messages are timed (bare JSON files never reach GMime). Each
 * side runs for about SECONDS (default 2) over all files; the ratio
 * printed is the report layer's extra cost relative to GMime's own parse
 * (target: under 25%).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gmime/gmime.h>

#include "message.h"
#include "report.h"

struct sample {
	char *data;
	size_t len;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
load(const char *path, struct sample *s)
{
	FILE *fp = fopen(path, "rb");
	long n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		if (fp)
			fclose(fp);
		return -1;
	}
	s->len = (size_t)n;
	s->data = malloc(s->len + 1);
	if (s->data == NULL || fread(s->data, 1, s->len, fp) != s->len) {
		fclose(fp);
		free(s->data);
		return -1;
	}
	fclose(fp);
	return 0;
}

/* GMime alone: what mp_message_parse() does before the report layer. */
static void
gmime_only(const struct sample *s)
{
	GByteArray *ba = g_byte_array_sized_new((guint)s->len);
	GMimeStream *st;
	GMimeParser *p;
	GMimeMessage *m;

	g_byte_array_append(ba, (const guint8 *)s->data, (guint)s->len);
	st = g_mime_stream_mem_new_with_byte_array(ba);
	p = g_mime_parser_new_with_stream(st);
	m = g_mime_parser_construct_message(p, NULL);
	if (m != NULL)
		g_object_unref(m);
	g_object_unref(p);
	g_object_unref(st);
}

static void
full(const struct sample *s, unsigned long *reports)
{
	struct mp_report *r;
	struct mp_error err;

	if (mp_report_parse_buffer(s->data, s->len, NULL, &r, &err) == MP_OK)
		(*reports)++;
	mp_report_free(&r);
}

int
main(int argc, char **argv)
{
	struct sample *v;
	size_t n = 0, i, bytes = 0;
	double secs = 2, t0, tg, tf;
	unsigned long rounds_g = 0, rounds_f = 0, reports = 0;
	int a = 1;

	if (argc > 1 && strspn(argv[1], "0123456789.") == strlen(argv[1])) {
		secs = atof(argv[1]);
		a = 2;
	}
	if ((v = calloc((size_t)argc, sizeof(*v))) == NULL)
		return 1;
	for (; a < argc; a++) {
		if (load(argv[a], &v[n]) != 0)
			continue;
		if (v[n].len > 0 && v[n].data[strspn(v[n].data, " \t\r\n")] == '{') {
			free(v[n].data);
			continue;
		}
		bytes += v[n++].len;
	}
	if (n == 0) {
		fprintf(stderr, "usage: bench-report [SECONDS] FILE...\n");
		return 1;
	}
	g_mime_init();
	t0 = now();
	do {
		for (i = 0; i < n; i++)
			gmime_only(&v[i]);
		rounds_g++;
	} while (now() - t0 < secs);
	tg = (now() - t0) / (double)rounds_g;
	t0 = now();
	do {
		for (i = 0; i < n; i++)
			full(&v[i], &reports);
		rounds_f++;
	} while (now() - t0 < secs);
	tf = (now() - t0) / (double)rounds_f;

	printf("bench-report: %zu messages, %.1f KiB per round\n", n,
	    (double)bytes / 1024);
	printf("  GMime alone:   %9.0f messages/s %8.1f MB/s\n",
	    (double)n / tg, (double)bytes / tg / 1e6);
	printf("  report layer:  %9.0f messages/s %8.1f MB/s (%lu reports/round)\n",
	    (double)n / tf, (double)bytes / tf / 1e6, reports / rounds_f);
	printf("  ratio: full/GMime = %.3f, report layer adds %.1f%% "
	    "(target < 25%%)\n", tf / tg, (tf / tg - 1) * 100);
	for (i = 0; i < n; i++)
		free(v[i].data);
	free(v);
	g_mime_shutdown();
	return 0;
}
