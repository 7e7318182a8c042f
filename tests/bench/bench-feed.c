/*
 * bench-feed - rows/s for splitting a zipped Shadowserver report into
 * rows (mp_feed_parse_shadowserver: unzip, CSV, a state for every row,
 * duplicates, the column mapping) beside a baseline from the same run:
 * unzip and CSV parse alone (libzip + libcsv, counting fields and rows,
 * nothing else).
 *
 * bench-feed [SECONDS] FILE.csv.zip...
 *
 * FILEs are tests/feed-gen.py output of growing size (make bench-feed:
 * 1k, 10k, 100k rows). Prints per file: rows, MB, baseline and split
 * rows/s and ns/row, the split/baseline ratio; then the per-row cost's
 * growth from the first file to each other one. Figures only, no
 * pass/fail: the thresholds of issue 14 (split+route+dedup+record
 * within 3x the baseline, per-row growth under 20%) apply once routing
 * and recording are in the path.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <csv.h>
#include <zip.h>

#include "feed.h"

struct sample {
	const char *path;
	const char *name;
	unsigned char *data;
	size_t len;
	size_t rows;
	double base_ns, split_ns;	/* per row */
	size_t csv_bytes;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
load(struct sample *s)
{
	FILE *fp = fopen(s->path, "rb");
	long n;
	const char *b = strrchr(s->path, '/');

	s->name = b ? b + 1 : s->path;
	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		if (fp)
			fclose(fp);
		return -1;
	}
	s->len = (size_t)n;
	if ((s->data = malloc(s->len)) == NULL ||
	    fread(s->data, 1, s->len, fp) != s->len) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

struct counts {
	size_t fields, rows;
};

static void
cb_field(void *s, size_t n, void *data)
{
	struct counts *c = data;

	(void)s;
	(void)n;
	c->fields++;
}

static void
cb_row(int ch, void *data)
{
	struct counts *c = data;

	(void)ch;
	c->rows++;
}

/* The baseline: unzip the one entry and run libcsv over it. Rows read
 * (header excluded), or 0 on error. */
static size_t
baseline(const struct sample *s, size_t *csv_bytes)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *z;
	zip_file_t *zf;
	zip_stat_t st;
	struct csv_parser p;
	struct counts c = { 0, 0 };
	unsigned char *buf;
	zip_int64_t n;

	zip_error_init(&ze);
	src = zip_source_buffer_create(s->data, s->len, 0, &ze);
	if (src == NULL || (z = zip_open_from_source(src, ZIP_RDONLY, &ze))
	    == NULL) {
		zip_source_free(src);
		return 0;
	}
	if (zip_stat_index(z, 0, 0, &st) != 0 ||
	    (zf = zip_fopen_index(z, 0, 0)) == NULL) {
		zip_discard(z);
		return 0;
	}
	buf = malloc(st.size + 1);
	n = zip_fread(zf, buf, st.size);
	zip_fclose(zf);
	zip_discard(z);
	zip_error_fini(&ze);
	if (n < 0) {
		free(buf);
		return 0;
	}
	csv_init(&p, 0);
	csv_parse(&p, buf, (size_t)n, cb_field, cb_row, &c);
	csv_fini(&p, cb_field, cb_row, &c);
	csv_free(&p);
	free(buf);
	*csv_bytes = (size_t)n;
	return c.rows > 0 ? c.rows - 1 : 0;
}

static size_t
split(const struct sample *s)
{
	struct mp_feed *f = NULL;
	struct mp_error err;
	size_t rows;

	if (mp_feed_parse_shadowserver(s->name, s->data, s->len, NULL, &f,
	    &err) != MP_OK) {
		fprintf(stderr, "bench-feed: %s: %s\n", s->name, err.msg);
		exit(1);
	}
	rows = f->nrows;
	mp_feed_free(&f);
	return rows;
}

/* Run fn until `secs` have passed (at least 3 times); ns per row of the
 * fastest run. */
static double
time_it(const struct sample *s, double secs, int which, size_t *rows)
{
	double t0 = now(), best = 1e30, a, b;
	size_t csv_bytes = 0;
	int runs = 0;

	while (runs < 3 || now() - t0 < secs) {
		a = now();
		*rows = which == 0 ? baseline(s, &csv_bytes) : split(s);
		b = now();
		if (b - a < best)
			best = b - a;
		runs++;
	}
	return *rows ? best * 1e9 / (double)*rows : 0;
}

int
main(int argc, char **argv)
{
	double secs = 2;
	struct sample *ss;
	int i = 1, n;
	size_t r1, r2, k;

	if (argc > 1 && strspn(argv[1], "0123456789.") == strlen(argv[1])) {
		secs = atof(argv[1]);
		i = 2;
	}
	n = argc - i;
	if (n < 1) {
		fprintf(stderr, "usage: bench-feed [SECONDS] FILE.csv.zip...\n");
		return 1;
	}
	ss = calloc((size_t)n, sizeof(*ss));
	printf("bench-feed: zipped Shadowserver reports, best of runs within "
	    "%.1f s each\n", secs);
	printf("%-10s %9s %8s | %14s %9s | %14s %9s | %6s\n", "rows", "zip KB",
	    "CSV MB", "baseline row/s", "ns/row", "split row/s", "ns/row",
	    "ratio");
	for (k = 0; k < (size_t)n; k++) {
		struct sample *s = &ss[k];

		s->path = argv[i + (int)k];
		if (load(s) != 0) {
			fprintf(stderr, "bench-feed: cannot read %s\n", s->path);
			return 1;
		}
		baseline(s, &s->csv_bytes);
		s->base_ns = time_it(s, secs / 2, 0, &r1);
		s->split_ns = time_it(s, secs / 2, 1, &r2);
		s->rows = r2;
		if (r1 != r2)
			printf("  (baseline counted %zu rows, split %zu: quoted "
			    "newlines or blank lines)\n", r1, r2);
		printf("%-10zu %9.1f %8.2f | %14.0f %9.1f | %14.0f %9.1f | "
		    "%5.2fx\n", s->rows, (double)s->len / 1024,
		    (double)s->csv_bytes / 1e6, 1e9 / s->base_ns, s->base_ns,
		    1e9 / s->split_ns, s->split_ns, s->split_ns / s->base_ns);
	}
	for (k = 1; k < (size_t)n; k++)
		printf("per-row cost %zu -> %zu rows: baseline %+.1f%%, split "
		    "%+.1f%%\n", ss[0].rows, ss[k].rows,
		    100.0 * (ss[k].base_ns / ss[0].base_ns - 1),
		    100.0 * (ss[k].split_ns / ss[0].split_ns - 1));
	for (k = 0; k < (size_t)n; k++)
		free(ss[k].data);
	free(ss);
	return 0;
}
