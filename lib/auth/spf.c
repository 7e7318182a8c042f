/*
 * spf - see spf.h
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>
#include <spf2/spf_dns_resolv.h>

#include "addr.h"
#include "spf.h"

#ifndef ns_t_spf
#define ns_t_spf 99
#endif

struct mp_spf {
	SPF_dns_server_t *below;	/* zone or resolver, shared read-only */
	unsigned budget_ms;
	unsigned delay_ms;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* a job done, or a worker gone */
	unsigned inflight;
};

struct spf_job {
	struct mp_spf *s;
	char ip[INET6_ADDRSTRLEN];
	char helo[MP_SPF_HELO_MAX + 1];
	char sender[MP_ADDR_MAX + 1];
	struct timespec deadline;	/* CLOCK_MONOTONIC */
	int done, abandoned;		/* under s->mu */
	struct mp_spf_outcome out;
};

/* Per check: the hook of our DNS layer above `below`. */
struct guard {
	const struct spf_job *job;
	int expired;
};

static const char *const result_names[] = {
	[MP_SPF_NONE] = "none", [MP_SPF_NEUTRAL] = "neutral",
	[MP_SPF_PASS] = "pass", [MP_SPF_FAIL] = "fail",
	[MP_SPF_SOFTFAIL] = "softfail", [MP_SPF_PERMERROR] = "permerror",
	[MP_SPF_RETRY] = "retry",
};

const char *
mp_spf_result_name(enum mp_spf_result r)
{
	return (unsigned)r <= MP_SPF_RETRY ? result_names[r] : "?";
}

/* libspf2 prints warnings to stderr; a daemon's stderr is nobody's. */
static void
quiet(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	(void)msg;
}

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void
quiet_init(void)
{
	SPF_warning_handler = quiet;
	SPF_info_handler = quiet;
	SPF_debug_handler = quiet;
}

static long
ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000L
	    + (deadline->tv_nsec - now.tv_nsec) / 1000000L;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static SPF_dns_rr_t *
guard_lookup(SPF_dns_server_t *d, const char *domain, ns_type type,
    int should_cache)
{
	struct guard *g = d->hook;
	const struct spf_job *job = g->job;
	long left;

	if ((int)type == ns_t_spf)
		return SPF_dns_rr_new_init(d, domain, type, 0, NO_DATA);
	left = ms_left(&job->deadline);
	if (left > 0 && job->s->delay_ms > 0) {
		sleep_ms((long)job->s->delay_ms < left ? (long)job->s->delay_ms : left);
		left = ms_left(&job->deadline);
	}
	if (left <= 0) {
		g->expired = 1;
		return SPF_dns_rr_new_init(d, domain, type, 0, TRY_AGAIN);
	}
	return SPF_dns_lookup(d->layer_below, domain, type, should_cache);
}

static int
zone_add(SPF_dns_server_t *z, const struct mp_dns_record *r)
{
	static const ns_type types[] = {
		[MP_DNS_A] = ns_t_a, [MP_DNS_AAAA] = ns_t_aaaa,
		[MP_DNS_MX] = ns_t_mx, [MP_DNS_TXT] = ns_t_txt,
		[MP_DNS_PTR] = ns_t_ptr, [MP_DNS_ANY] = ns_t_any,
	};
	SPF_dns_stat_t st;

	switch (r->status) {
	case MP_DNS_NXDOMAIN:	st = HOST_NOT_FOUND; break;
	case MP_DNS_NODATA:	st = NO_DATA; break;
	case MP_DNS_TEMPFAIL:	st = TRY_AGAIN; break;
	default:		st = NETDB_SUCCESS; break;
	}
	/* dnszone guarantees what libspf2 would otherwise abort on: data
	 * only with success, ANY only with an error, no status twice. */
	return SPF_dns_zone_add_str(z, r->name, types[r->type], st,
	    st == NETDB_SUCCESS ? r->value : NULL) == SPF_E_SUCCESS ? 0 : -1;
}

static SPF_dns_server_t *
zone_layer(const struct mp_dnszone *zone, struct mp_error *err)
{
	SPF_dns_server_t *z = SPF_dns_zone_new(NULL, "meldpunt-zone", 0);
	size_t i;

	if (z == NULL)
		return mp_error_set(err, MP_ENOMEM, "SPF: out of memory"), NULL;
	for (i = 0; i < mp_dnszone_count(zone); i++)
		if (zone_add(z, mp_dnszone_record(zone, i)) != 0) {
			SPF_dns_free(z);
			return mp_error_set(err, MP_ENOMEM,
			    "SPF: cannot load DNS zone record %zu", i + 1), NULL;
		}
	return z;
}

struct mp_spf *
mp_spf_new(const struct mp_spf_opts *opts, struct mp_error *err)
{
	struct mp_spf *s;
	pthread_condattr_t ca;

	mp_error_clear(err);
	pthread_once(&quiet_once, quiet_init);
	if (opts->budget_ms != 0 && (opts->budget_ms < MP_SPF_BUDGET_MIN
	    || opts->budget_ms > MP_SPF_BUDGET_MAX))
		return mp_error_set(err, MP_ECONFIG,
		    "SPF time budget %u ms is outside %d..%d ms (limit; Postfix's "
		    "milter_command_timeout is 30 s)", opts->budget_ms,
		    MP_SPF_BUDGET_MIN, MP_SPF_BUDGET_MAX), NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return mp_error_set(err, MP_ENOMEM, "SPF: out of memory"), NULL;
	s->budget_ms = opts->budget_ms != 0 ? opts->budget_ms : MP_SPF_BUDGET_DEFAULT;
	s->delay_ms = opts->test_delay_ms;
	if (opts->zone != NULL)
		s->below = zone_layer(opts->zone, err);
	else if ((s->below = SPF_dns_resolv_new(NULL, "meldpunt-resolv", 0)) == NULL)
		mp_error_set(err, MP_ENOMEM, "SPF: cannot make a DNS resolver");
	if (s->below == NULL) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	return s;
}

void
mp_spf_free(struct mp_spf **sp)
{
	struct mp_spf *s = *sp;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	while (s->inflight > 0)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	SPF_dns_free(s->below);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
	*sp = NULL;
}

static void
set_why(struct mp_spf_outcome *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
set_why(struct mp_spf_outcome *o, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(o->why, sizeof(o->why), fmt, ap);
	va_end(ap);
	for (p = o->why; *p != '\0'; p++)	/* DNS text is hostile */
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
}

/*
 * libspf2 1.2.10 leaves a record that does not compile as result INVALID
 * with the reason in its messages; RFC 7208 4.6 calls that permerror.
 * Anything else INVALID (DNS, memory) can be tried again.
 */
static enum mp_spf_result
invalid_kind(SPF_response_t *r, SPF_errcode_t rc, const char **msg)
{
	int i, n = SPF_response_messages(r);

	*msg = SPF_strerror(rc);
	if (rc == SPF_E_DNS_ERROR)
		return MP_SPF_RETRY;
	for (i = 0; i < n; i++) {
		SPF_error_t *m = SPF_response_message(r, i);
		SPF_errcode_t c = SPF_error_code(m);

		if (c == SPF_E_DNS_ERROR)
			return MP_SPF_RETRY;
		if (c != SPF_E_NOT_SPF && c != SPF_E_NO_MEMORY && c != SPF_E_INTERNAL_ERROR
		    && c != SPF_E_SUCCESS) {
			*msg = SPF_error_message(m);
			return MP_SPF_PERMERROR;
		}
	}
	return MP_SPF_RETRY;
}

static void
describe(const struct spf_job *job, SPF_response_t *r, SPF_errcode_t rc,
    int expired, struct mp_spf_outcome *o)
{
	const char *d = o->domain, *ip = job->ip, *msg;
	SPF_errcode_t ec = SPF_response_errcode(r);

	switch (SPF_response_result(r)) {
	case SPF_RESULT_PASS:
		if (SPF_response_reason(r) == SPF_REASON_LOCALHOST) {
			o->result = MP_SPF_NONE;
			set_why(o, "client %s is a loopback address: SPF does not apply", ip);
			return;
		}
		o->result = MP_SPF_PASS;
		set_why(o, "%s designates %s as a permitted sender", d, ip);
		return;
	case SPF_RESULT_FAIL:
		o->result = MP_SPF_FAIL;
		set_why(o, "%s does not designate %s as a permitted sender", d, ip);
		return;
	case SPF_RESULT_SOFTFAIL:
		o->result = MP_SPF_SOFTFAIL;
		set_why(o, "%s does not designate %s as a permitted sender (~all)", d, ip);
		return;
	case SPF_RESULT_NEUTRAL:
		o->result = MP_SPF_NEUTRAL;
		set_why(o, "%s neither permits nor denies %s", d, ip);
		return;
	case SPF_RESULT_NONE:
		o->result = MP_SPF_NONE;
		set_why(o, "%s publishes no SPF record", d);
		return;
	case SPF_RESULT_PERMERROR:
		o->result = MP_SPF_PERMERROR;
		set_why(o, "the SPF record of %s is broken: %s", d, SPF_strerror(ec));
		return;
	case SPF_RESULT_INVALID:
		if (!expired && invalid_kind(r, rc, &msg) == MP_SPF_PERMERROR) {
			o->result = MP_SPF_PERMERROR;
			set_why(o, "the SPF record of %s is broken: %s", d, msg);
			return;
		}
		/* FALLTHROUGH */
	default:	/* TEMPERROR: never a pass, never a fail */
		o->result = MP_SPF_RETRY;
		if (expired)
			set_why(o, "SPF check of %s ran out of its %u ms time budget (SPFTimeout)",
			    d, job->s->budget_ms);
		else
			set_why(o, "SPF check of %s hit a temporary DNS error: %s", d,
			    SPF_strerror(ec != SPF_E_SUCCESS ? ec : rc));
		return;
	}
}

/* The SPF evaluation proper, in the worker thread. */
static void
evaluate(struct spf_job *job)
{
	struct mp_spf_outcome *o = &job->out;
	struct guard g = { job, 0 };
	SPF_dns_server_t layer;
	SPF_server_t *srv;
	SPF_request_t *req = NULL;
	SPF_response_t *resp = NULL;
	SPF_errcode_t rc;
	int bad;

	memset(&layer, 0, sizeof(layer));
	layer.destroy = NULL;	/* ours: SPF_server_free leaves it alone */
	layer.lookup = guard_lookup;
	layer.layer_below = job->s->below;
	layer.name = "meldpunt-budget";
	layer.hook = &g;
	o->result = MP_SPF_RETRY;
	set_why(o, "SPF check of %s could not run (out of memory)", o->domain);
	srv = SPF_server_new_dns(&layer, 0);
	if (srv == NULL)
		return;
	SPF_server_set_rec_dom(srv, "meldpunt");
	req = SPF_request_new(srv);
	if (req == NULL)
		goto out;
	bad = strchr(job->ip, ':') != NULL
	    ? SPF_request_set_ipv6_str(req, job->ip)
	    : SPF_request_set_ipv4_str(req, job->ip);
	if (bad == 0 && job->helo[0] != '\0')
		bad = SPF_request_set_helo_dom(req, job->helo);
	if (bad == 0 && job->sender[0] != '\0')
		bad = SPF_request_set_env_from(req, job->sender);
	if (bad != 0) {
		o->result = MP_SPF_PERMERROR;
		set_why(o, "SPF cannot check %s: %s", o->domain, SPF_strerror(bad));
		goto out;
	}
	rc = SPF_request_query_mailfrom(req, &resp);
	if (resp != NULL)
		describe(job, resp, rc, g.expired, o);
out:
	if (resp != NULL)
		SPF_response_free(resp);
	if (req != NULL)
		SPF_request_free(req);
	SPF_server_free(srv);
}

static void *
worker(void *arg)
{
	struct spf_job *job = arg;
	struct mp_spf *s = job->s;
	int abandoned;

	evaluate(job);
	pthread_mutex_lock(&s->mu);
	job->done = 1;
	abandoned = job->abandoned;
	s->inflight--;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (abandoned)		/* the caller has gone: nobody else frees it */
		free(job);
	return NULL;
}

/* ip: canonical text in job->ip, IPv4-mapped IPv6 as IPv4. */
static int
take_ip(struct spf_job *job, const char *ip)
{
	mp_u128 a;
	int fam;

	if (mp_ip_parse_as(ip, strlen(ip), MP_IP_UNMAP, &a, &fam) != MP_OK)
		return MP_EINPUT;
	mp_ip_format(a, fam, job->ip, sizeof(job->ip));
	return 0;
}

static int
has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

static int
make_job(struct mp_spf *s, const char *ip, const char *helo, const char *sender,
    struct spf_job *job, struct mp_error *err)
{
	const char *dom;

	if (helo == NULL)
		helo = "";
	if (sender == NULL)
		sender = "";
	if (strlen(helo) > MP_SPF_HELO_MAX || has_ctl(helo))
		return mp_error_set(err, MP_EINPUT,
		    "HELO name is longer than %d bytes or has a control character",
		    MP_SPF_HELO_MAX);
	if (strlen(sender) > MP_ADDR_MAX || has_ctl(sender))
		return mp_error_set(err, MP_EINPUT,
		    "envelope sender is longer than %d bytes or has a control character",
		    MP_ADDR_MAX);
	if (take_ip(job, ip) != 0)
		return mp_error_set(err, MP_EINPUT,
		    "client address \"%.64s\" is not an IP address", ip);
	job->s = s;
	strcpy(job->helo, helo);
	strcpy(job->sender, sender);
	dom = sender[0] != '\0' ? mp_addr_domain(sender) : helo;
	if (dom == NULL || *dom == '\0')
		dom = sender[0] != '\0' ? sender : helo;
	snprintf(job->out.domain, sizeof(job->out.domain), "%s", dom);
	return 0;
}

static void
deadline_in(struct timespec *t, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* Run the job in a worker; wait until done or the budget (+ grace) is gone. */
static int
run(struct mp_spf *s, struct spf_job *job, struct mp_spf_outcome *out,
    struct mp_error *err)
{
	struct timespec hard;
	pthread_attr_t at;
	pthread_t t;
	int rc;

	deadline_in(&job->deadline, s->budget_ms);
	deadline_in(&hard, s->budget_ms + MP_SPF_GRACE_MS);
	pthread_mutex_lock(&s->mu);
	if (s->inflight >= MP_SPF_MAX_INFLIGHT) {
		pthread_mutex_unlock(&s->mu);
		out->result = MP_SPF_RETRY;
		set_why(out, "SPF check of %s not started: %d checks still waiting for DNS (limit)",
		    out->domain, MP_SPF_MAX_INFLIGHT);
		free(job);
		return 0;
	}
	s->inflight++;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &at, worker, job);
	pthread_attr_destroy(&at);
	if (rc != 0) {
		s->inflight--;
		pthread_mutex_unlock(&s->mu);
		free(job);
		return mp_error_set(err, MP_EINTERNAL,
		    "SPF: cannot start a worker thread: %s", strerror(rc));
	}
	while (!job->done)
		if (pthread_cond_timedwait(&s->cv, &s->mu, &hard) == ETIMEDOUT)
			break;
	if (job->done) {
		pthread_mutex_unlock(&s->mu);
		*out = job->out;
		free(job);
		return 0;
	}
	job->abandoned = 1;	/* the worker frees it */
	pthread_mutex_unlock(&s->mu);
	out->result = MP_SPF_RETRY;
	set_why(out, "SPF check of %s ran out of its %u ms time budget (SPFTimeout)",
	    out->domain, s->budget_ms);
	return 0;
}

int
mp_spf_check(struct mp_spf *s, const char *ip, const char *helo,
    const char *sender, struct mp_spf_outcome *out, struct mp_error *err)
{
	struct spf_job *job;
	int rc;

	mp_error_clear(err);
	memset(out, 0, sizeof(*out));
	if (ip == NULL || *ip == '\0') {
		out->result = MP_SPF_NONE;
		set_why(out, "no client IP address (local submission): SPF does not apply");
		return 0;
	}
	if ((sender == NULL || *sender == '\0') && (helo == NULL || *helo == '\0')) {
		out->result = MP_SPF_NONE;
		set_why(out, "neither an envelope sender nor a HELO name: nothing to check");
		return 0;
	}
	job = calloc(1, sizeof(*job));
	if (job == NULL)
		return mp_error_set(err, MP_ENOMEM, "SPF: out of memory");
	rc = make_job(s, ip, helo, sender, job, err);
	if (rc != 0) {
		free(job);
		return rc;
	}
	snprintf(out->domain, sizeof(out->domain), "%s", job->out.domain);
	return run(s, job, out, err);
}

int
mp_spf_resolver_setup(unsigned budget_ms, struct mp_error *err)
{
	const char *old = getenv("RES_OPTIONS");
	unsigned secs;
	char *v;
	int n;

	if (budget_ms == 0)
		budget_ms = MP_SPF_BUDGET_DEFAULT;
	secs = budget_ms / 2000;
	if (secs < 1)
		secs = 1;
	/* Later options win in glibc's parser: ours go last. */
	n = asprintf(&v, "%s%stimeout:%u attempts:1", old != NULL ? old : "",
	    old != NULL && *old != '\0' ? " " : "", secs);
	if (n < 0)
		return mp_error_set(err, MP_ENOMEM, "SPF: out of memory");
	n = setenv("RES_OPTIONS", v, 1);
	free(v);
	return n == 0 ? 0 : mp_error_set(err, MP_ENOMEM, "SPF: cannot set RES_OPTIONS");
}
