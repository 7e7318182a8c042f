/*
 * stats - see stats.h
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats.h"

/* The counters, in the order they are printed; "other" catches the rest. */
static const char *const names[] = {
	"messages", "flow:intake", "flow:outbound", "flow:other",
	"notified", "duplicate",
	"quarantined:unauthenticated", "quarantined:not-a-report",
	"quarantined:parse-error", "quarantined:unrouted",
	"quarantined:too-large", "quarantined:mixed-recipients",
	"quarantined:render-error", "signed", "rejected:identity",
	"rejected:too-large", "rejected:unsignable", "deferred:rate-limit",
	"tempfail", "passed",
	"other",
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static unsigned
slot(const char *name)
{
	unsigned i;

	for (i = 0; i < NNAMES; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return NNAMES - 1;	/* "other" */
}

void
mp_stats_init(struct mp_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->started = time(NULL);
	st->written = (unsigned long long)-1;	/* the first write always happens */
}

void
mp_stats_count(struct mp_stats *st, const char *flow, const char *outcome)
{
	char f[32];

	snprintf(f, sizeof(f), "flow:%s", flow);
	__atomic_add_fetch(&st->n[0], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&st->n[slot(f)], 1, __ATOMIC_RELAXED);
	if (strcmp(outcome, "-") == 0)
		outcome = "passed";
	__atomic_add_fetch(&st->n[slot(outcome)], 1, __ATOMIC_RELAXED);
}

int
mp_stats_write(struct mp_stats *st, const char *path, unsigned generation,
    struct mp_error *err)
{
	char tmp[4096];
	unsigned long long sum = 0, v[NNAMES];
	unsigned i;
	FILE *fp;

	for (i = 0; i < NNAMES; i++)
		sum += v[i] = __atomic_load_n(&st->n[i], __ATOMIC_RELAXED);
	if (sum == st->written)
		return MP_OK;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return mp_error_set(err, MP_EIO, "StatsFile %s: path too long", path);
	if ((fp = fopen(tmp, "w")) == NULL)
		return mp_error_set(err, MP_EIO, "StatsFile %s: %s", tmp,
		    strerror(errno));
	fprintf(fp, "started %lld\npid %ld\ngeneration %u\n",
	    (long long)st->started, (long)getpid(), generation);
	for (i = 0; i < NNAMES; i++)
		fprintf(fp, "%s %llu\n", names[i], v[i]);
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return mp_error_set(err, MP_EIO, "StatsFile %s: %s", path,
		    strerror(errno));
	}
	st->written = sum;
	return MP_OK;
}

int
mp_stats_print(const char *path, FILE *out, struct mp_error *err)
{
	char line[256], name[128], ts[32];
	unsigned long long v;
	long long started = 0;
	struct tm tm;
	time_t t;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		return mp_error_set(err, MP_EIO, "StatsFile %s: %s (is "
		    "meldpunt-milter running?)", path, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "%127s %llu", name, &v) != 2)
			continue;
		if (strcmp(name, "started") == 0) {
			started = (long long)v;
			t = (time_t)started;
			strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ",
			    gmtime_r(&t, &tm));
			fprintf(out, "since %s\n", ts);
		} else
			fprintf(out, "%-30s %llu\n", name, v);
	}
	fclose(fp);
	if (started == 0)
		return mp_error_set(err, MP_EINPUT, "StatsFile %s: not a "
		    "meldpunt statistics file", path);
	return MP_OK;
}
