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
 * pass/fail.
 *
 * bench-feed [SECONDS] -i CONF FILE.csv.zip... adds the intake path:
 * FILE.csv.zip.eml (feed-gen.py --mail) through mp_eom_decide() as the
 * milter runs it at end of message, with CONF's routes and a fresh state
 * DB per run (CONF's StateDB is removed first): parse, split, route,
 * dedup and record every row, one sync (the state DB opened before the
 * clock starts, as a running milter has it). Printed: its rows/s and ns/row,
 * the ratio to the baseline, the time of one message (the milter's time
 * inside the SMTP transaction, less the body transfer) and the growth of
 * the process's peak RSS while it ran (VmHWM, reset before). Then the
 * same report once more with another Message-ID, on the state DB the
 * last run left: every routed row is now a duplicate (the daily case of
 * a feed that lists the same hosts again), against a state DB that holds
 * the first copy's records.
 *
 * Every file ends with a line "RESULT rows=N base_ns=.. split_ns=..
 * path_ns=.. path_s=.. rss_mb=.. again_s=.." for tests/bench/bench-feed.sh.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <csv.h>
#include <zip.h>

#include <gmime/gmime.h>

#include "buf.h"
#include "conf.h"
#include "envelope.h"
#include "eom.h"
#include "feed.h"
#include "outcome.h"
#include "plan.h"
#include "snapshot.h"
#include "statedb.h"

struct sample {
	const char *path;
	const char *name;
	unsigned char *data;
	size_t len;
	size_t rows;
	double base_ns, split_ns;	/* per row */
	double path_ns, path_s, rss_mb;	/* the intake path (-i) */
	double again_s;			/* the same rows again: duplicates */
	struct mp_buf mail;		/* FILE.eml as on the wire (CRLF) */
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

/* KiB of a /proc/self/status field, or -1. */
static long
status_kb(const char *field)
{
	char line[256];
	long kb = -1;
	size_t n = strlen(field);
	FILE *fp = fopen("/proc/self/status", "r");

	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			kb = atol(line + n + 1);
	if (fp != NULL)
		fclose(fp);
	return kb;
}

static void
reset_peak(void)
{
	FILE *fp = fopen("/proc/self/clear_refs", "w");

	if (fp != NULL) {
		fputs("5\n", fp);	/* VmHWM = VmRSS */
		fclose(fp);
	}
}

/* FILE.eml with CRLF line ends, as the milter gets it. */
static int
load_mail(struct sample *s)
{
	char path[4096], line[8192];
	FILE *fp;

	snprintf(path, sizeof(path), "%s.eml", s->path);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	mp_buf_init(&s->mail, 0);
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		mp_buf_printf(&s->mail, "%s\r\n", line);
	}
	fclose(fp);
	return 0;
}

/* The envelope the milter callbacks build for the mail. */
static void
envelope(const struct mp_snapshot *snap, const struct sample *s,
    struct mp_envelope *env)
{
	const char *p = s->mail.data, *e = p + s->mail.len, *nl, *colon;
	char name[256];
	struct mp_buf value;
	int have = 0;

	mp_env_init(env, snap->conf);
	mp_env_connection(env, "127.0.0.1", "smtpd");
	mp_env_helo(env, "mx.shadowserver.example");
	mp_env_sender(env, "<autoreports@shadowserver.org>", NULL);
	mp_env_rcpt(env, snap->conf->intake[0]);
	mp_buf_init(&value, 0);
	for (; p < e; p = nl + 2) {
		if ((nl = strstr(p, "\r\n")) == NULL)
			break;
		if ((*p == ' ' || *p == '\t') && have) {
			mp_buf_puts(&value, "\n");
			mp_buf_append(&value, p, (size_t)(nl - p));
			continue;
		}
		if (have)
			mp_env_header(env, name, value.data, 0);
		if (nl == p) {
			mp_env_eoh(env);
			mp_env_body(env, (const unsigned char *)nl + 2,
			    (size_t)(e - nl - 2));
			break;
		}
		if ((colon = memchr(p, ':', (size_t)(nl - p))) == NULL)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)(colon - p), p);
		mp_buf_reset(&value);
		mp_buf_append(&value, colon + 1, (size_t)(nl - colon - 1));
		have = 1;
	}
	mp_buf_free(&value);
}

/*
 * The intake path with a fresh state DB, `runs` times and until `secs`
 * have passed, as the baseline: the fastest run's seconds; the largest
 * peak RSS growth (MB) in *rss.
 */
static double
intake_path(const char *conf, struct sample *s, int runs, double secs,
    double *rss)
{
	struct mp_snapshot *snap;
	struct mp_current cur;
	struct mp_envelope env;
	struct mp_plan plan;
	struct mp_plan_held held = { 0 };
	struct mp_error err;
	double best = 1e30, a, b, t0 = now();
	long before;
	int r;

	*rss = 0;
	for (r = 0; r < runs || now() - t0 < secs; r++) {
		if ((snap = mp_snapshot_load(conf, NULL, &err)) == NULL) {
			fprintf(stderr, "bench-feed: %s\n", err.msg);
			exit(1);
		}
		(void)unlink(snap->conf->state_db);
		/* a running milter has its state DB open (statedb.h) */
		if (mp_statedb_get(snap->statedb, &err) == NULL) {
			fprintf(stderr, "bench-feed: %s\n", err.msg);
			exit(1);
		}
		envelope(snap, s, &env);
		mp_plan_init(&plan);
		reset_peak();
		before = status_kb("VmRSS");
		a = now();
		mp_eom_decide(snap, &env, &plan);
		b = now();
		if ((double)(status_kb("VmHWM") - before) / 1024 > *rss)
			*rss = (double)(status_kb("VmHWM") - before) / 1024;
		if (plan.outcome != MP_OUTCOME_QUEUED) {
			fprintf(stderr, "bench-feed: %s: %s (%s)\n", s->name,
			    mp_outcome_name(plan.outcome), plan.reason);
			exit(1);
		}
		if (r == 0)
			printf("  %.200s\n", plan.reason);
		mp_plan_hold(&plan, &held);
		mp_plan_free(&plan);
		mp_plan_settle(&held);
		mp_env_free(&env);
		mp_current_init(&cur);
		mp_current_install(&cur, snap);
		mp_current_clear(&cur);
		if (b - a < best)
			best = b - a;
	}
	return best;
}

/*
 * The report once more, with another Message-ID (other bytes, so not
 * the MTA's retry of the same message), on the state DB the last run of
 * intake_path() left: seconds of the one run.
 */
static double
intake_again(const char *conf, struct sample *s)
{
	static const char mid[] = "Message-ID: <";
	struct mp_snapshot *snap;
	struct mp_current cur;
	struct mp_envelope env;
	struct mp_plan plan;
	struct mp_plan_held held = { 0 };
	struct mp_error err;
	struct mp_buf orig = s->mail, copy;
	const char *p;
	double a, b;

	if ((p = strstr(orig.data, mid)) == NULL) {
		fprintf(stderr, "bench-feed: %s: no Message-ID\n", s->name);
		exit(1);
	}
	mp_buf_init(&copy, 0);
	mp_buf_append(&copy, orig.data, (size_t)(p - orig.data) + strlen(mid));
	mp_buf_puts(&copy, "again-");
	p += strlen(mid);
	mp_buf_append(&copy, p, orig.len - (size_t)(p - orig.data));
	if ((snap = mp_snapshot_load(conf, NULL, &err)) == NULL) {
		fprintf(stderr, "bench-feed: %s\n", err.msg);
		exit(1);
	}
	if (mp_statedb_get(snap->statedb, &err) == NULL) {
		fprintf(stderr, "bench-feed: %s\n", err.msg);
		exit(1);
	}
	s->mail = copy;
	envelope(snap, s, &env);
	s->mail = orig;
	mp_plan_init(&plan);
	a = now();
	mp_eom_decide(snap, &env, &plan);
	b = now();
	if (plan.outcome != MP_OUTCOME_QUEUED) {
		fprintf(stderr, "bench-feed: %s again: %s (%s)\n", s->name,
		    mp_outcome_name(plan.outcome), plan.reason);
		exit(1);
	}
	printf("  again: %.200s\n", plan.reason);
	mp_plan_hold(&plan, &held);
	mp_plan_free(&plan);
	mp_plan_settle(&held);
	mp_env_free(&env);
	mp_buf_free(&copy);
	mp_current_init(&cur);
	mp_current_install(&cur, snap);
	mp_current_clear(&cur);
	return b - a;
}

int
main(int argc, char **argv)
{
	double secs = 2;
	const char *conf = NULL;
	struct sample *ss;
	int i = 1, n;
	size_t r1, r2, k;

	if (argc > 1 && strspn(argv[1], "0123456789.") == strlen(argv[1])) {
		secs = atof(argv[1]);
		i = 2;
	}
	if (i + 1 < argc && strcmp(argv[i], "-i") == 0) {
		conf = argv[i + 1];
		i += 2;
		g_mime_init();
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
		if (conf == NULL)
			continue;
		if (load_mail(s) != 0) {
			fprintf(stderr, "bench-feed: cannot read %s.eml\n", s->path);
			return 1;
		}
		/* BENCH_FEED_RUNS: more runs, for a profiler */
		s->path_s = intake_path(conf, s, getenv("BENCH_FEED_RUNS") ?
		    atoi(getenv("BENCH_FEED_RUNS")) : 3, secs / 2, &s->rss_mb);
		s->path_ns = s->path_s * 1e9 / (double)s->rows;
		printf("%-10s split + route + dedup + record: %14.0f row/s %9.1f "
		    "ns/row | %5.2fx baseline | %.3f s per message, peak RSS "
		    "+%.1f MB\n", "", 1e9 / s->path_ns, s->path_ns,
		    s->path_ns / s->base_ns, s->path_s, s->rss_mb);
		s->again_s = intake_again(conf, s);
		printf("%-10s the same rows again (duplicates): %.3f s per message, "
		    "%.1f ns/row\n", "", s->again_s, s->again_s * 1e9 /
		    (double)s->rows);
		printf("RESULT rows=%zu base_ns=%.1f split_ns=%.1f path_ns=%.1f "
		    "path_s=%.4f rss_mb=%.1f again_s=%.4f\n", s->rows,
		    s->base_ns, s->split_ns, s->path_ns, s->path_s, s->rss_mb,
		    s->again_s);
	}
	for (k = 1; k < (size_t)n; k++)
		printf("per-row cost %zu -> %zu rows: baseline %+.1f%%, split "
		    "%+.1f%%\n", ss[0].rows, ss[k].rows,
		    100.0 * (ss[k].base_ns / ss[0].base_ns - 1),
		    100.0 * (ss[k].split_ns / ss[0].split_ns - 1));
	for (k = 1; conf != NULL && k < (size_t)n; k++)
		printf("per-row cost %zu -> %zu rows, intake path: %+.1f%%\n",
		    ss[0].rows, ss[k].rows,
		    100.0 * (ss[k].path_ns / ss[0].path_ns - 1));
	for (k = 0; k < (size_t)n; k++) {
		free(ss[k].data);
		if (conf != NULL)
			mp_buf_free(&ss[k].mail);
	}
	free(ss);
	return 0;
}
