/*
 * stats - see stats.h
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats.h"

/*
 * The counters, in the order they are written: n[] is indexed by these
 * slots. The outcomes' counters come from outcome.h, in its order.
 */
enum {
	SLOT_MESSAGES = 0,
	SLOT_INTAKE, SLOT_OUTBOUND, SLOT_OTHER_FLOW, SLOT_BOUNCE, SLOT_REPLY,
	SLOT_OUTCOME0,
	SLOT_OTHER = SLOT_OUTCOME0 + MP_OUTCOME_COUNT,
	NSLOTS
};

_Static_assert(NSLOTS <= MP_STATS_MAX, "every outcome has a counter");

static const char *const fixed[SLOT_OUTCOME0] = {
	"messages", "flow:intake", "flow:outbound", "flow:other", "flow:bounce",
	"flow:reply",
};

static const char *
slot_name(unsigned i)
{
	if (i < SLOT_OUTCOME0)
		return fixed[i];
	if (i < SLOT_OTHER)
		return mp_outcome_name((enum mp_outcome)(i - SLOT_OUTCOME0));
	return "other";
}

static unsigned
flow_slot(enum mp_flow flow)
{
	switch (flow) {
	case MP_FLOW_INTAKE:	return SLOT_INTAKE;
	case MP_FLOW_OUTBOUND:	return SLOT_OUTBOUND;
	case MP_FLOW_BOUNCE:	return SLOT_BOUNCE;
	case MP_FLOW_REPLY:	return SLOT_REPLY;
	default:		return SLOT_OTHER_FLOW;
	}
}

void
mp_stats_init(struct mp_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->started = time(NULL);
	st->written = (unsigned long long)-1;	/* the first write always happens */
}

void
mp_stats_count(struct mp_stats *st, enum mp_flow flow, enum mp_outcome outcome)
{
	unsigned o = (unsigned)outcome < MP_OUTCOME_COUNT ?
	    SLOT_OUTCOME0 + (unsigned)outcome : SLOT_OTHER;

	__atomic_add_fetch(&st->n[SLOT_MESSAGES], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&st->n[flow_slot(flow)], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&st->n[o], 1, __ATOMIC_RELAXED);
}

int
mp_stats_write(struct mp_stats *st, const char *path, unsigned generation,
    struct mp_error *err)
{
	char tmp[4096];
	unsigned long long sum = 0, v[NSLOTS];
	unsigned i;
	FILE *fp;

	for (i = 0; i < NSLOTS; i++)
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
	for (i = 0; i < NSLOTS; i++)
		fprintf(fp, "%s %llu\n", slot_name(i), v[i]);
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
