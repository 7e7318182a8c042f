/*
 * reporter_auth - see reporter_auth.h
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "align.h"
#include "reporter_auth.h"

#define DOM_MAX 256

/* One method's answer, with the sentence that explains it. */
struct part {
	enum mp_reporter_verdict v;
	char why[MP_REPORTER_REASON_MAX];
};

static void __attribute__((format(printf, 3, 4)))
say(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* Lower case, no final dot, by the one domain validator (addr.h); ""
 * when absent or not a domain name (no hostile bytes reach a sentence). */
static void
norm(const char *in, char out[DOM_MAX])
{
	if (in == NULL || mp_domain_norm(in, strlen(in), out, DOM_MAX) != MP_OK)
		out[0] = '\0';
}

int
mp_reporter_within(const char *domain, const char *reporter)
{
	char d[DOM_MAX], r[DOM_MAX];
	char *list[2] = { r, NULL };

	norm(domain, d);
	norm(reporter, r);
	if (d[0] == '\0' || r[0] == '\0')
		return 0;
	return mp_domain_in(d, list);
}

static const char *
required_name(enum mp_reporter_auth a)
{
	switch (a) {
	case MP_AUTH_SPF:	return "spf";
	case MP_AUTH_DKIM:	return "dkim";
	default:		return "spf and dkim";
	}
}

static void
spf_part(const struct mp_reporter_facts *f, const char *rep, struct part *p)
{
	const char *ip = f->client_ip != NULL && *f->client_ip != '\0'
	    ? f->client_ip : "an unknown address";
	const char *snd = f->env_sender != NULL ? f->env_sender : "";
	const char *sdom = *snd != '\0' ? mp_addr_domain(snd) : "";

	p->v = MP_REPORTER_FAIL;
	if (*snd == '\0') {
		say(p->why, sizeof(p->why), "the envelope sender is empty (<>), so SPF "
		    "cannot vouch for %s (required: %s)", rep, required_name(f->required));
		return;
	}
	if (!mp_reporter_within(sdom, rep)) {
		say(p->why, sizeof(p->why), "envelope sender %s is not within %s, so its "
		    "SPF does not count (required: %s)", snd, rep, required_name(f->required));
		return;
	}
	if (f->spf == NULL) {
		say(p->why, sizeof(p->why), "SPF was not checked for %s", snd);
		return;
	}
	switch (f->spf->result) {
	case MP_SPF_PASS:
		p->v = MP_REPORTER_PASS;
		say(p->why, sizeof(p->why), "SPF pass for %s from %s", snd, ip);
		return;
	case MP_SPF_RETRY:
		p->v = MP_REPORTER_RETRY;
		say(p->why, sizeof(p->why), "SPF for %s from %s cannot be checked now: %s",
		    snd, ip, f->spf->why);
		return;
	default:
		say(p->why, sizeof(p->why), "SPF %s for %s from %s (required: %s)",
		    mp_spf_result_name(f->spf->result), snd, ip,
		    required_name(f->required));
		return;
	}
}

/* Append "d=x.example: why" notes about signatures that did not count. */
static void
dkim_notes(const struct mp_verify_result *r, const char *rep, char *buf,
    size_t size)
{
	size_t i, used = strlen(buf);
	int n = 0;

	for (i = 0; r != NULL && i < r->n && n < 3 && used + 1 < size; i++, n++) {
		const struct mp_dkim_sig *s = &r->sig[i];
		char d[DOM_MAX];
		const char *note;

		norm(s->domain, d);
		if (!mp_dkim_aligned(d, rep))
			note = "not aligned";
		else if (s->result == MP_DKIM_PASS && s->partial)
			note = "l= leaves part of the body unsigned";
		else
			note = s->why;
		snprintf(buf + used, size - used, "%sd=%s: %s", n == 0 ? " (" : "; ",
		    d[0] != '\0' ? d : "?", note);
		used = strlen(buf);
	}
	if (n > 0 && used + 1 < size)
		snprintf(buf + used, size - used, ")");
}

static void
dkim_part(const struct mp_reporter_facts *f, const char *rep, struct part *p)
{
	const struct mp_verify_result *r = f->dkim;
	const char *retry_d = NULL;
	size_t i;

	for (i = 0; r != NULL && i < r->n && i < MP_VERIFY_MAX_SIGS; i++) {
		const struct mp_dkim_sig *s = &r->sig[i];

		if (!mp_dkim_aligned(s->domain, rep))
			continue;
		if (s->result == MP_DKIM_PASS && !s->partial) {
			p->v = MP_REPORTER_PASS;
			say(p->why, sizeof(p->why), "DKIM pass for d=%s (s=%s, %s)",
			    s->domain, s->selector, s->alg);
			return;
		}
		if (s->result == MP_DKIM_RETRY && retry_d == NULL)
			retry_d = s->domain;
	}
	if (retry_d != NULL) {
		p->v = MP_REPORTER_RETRY;
		say(p->why, sizeof(p->why), "the DKIM key of d=%s cannot be fetched now",
		    retry_d);
		return;
	}
	p->v = MP_REPORTER_FAIL;
	say(p->why, sizeof(p->why), "no valid DKIM signature aligned with %s (required: %s)",
	    rep, required_name(f->required));
	dkim_notes(r, rep, p->why, sizeof(p->why));
}

/* The kind of fault, in words for the log line. */
static const char *
fault_name(int code)
{
	switch (code) {
	case MP_ENOMEM:		return "out of memory";
	case MP_ERETRY:		return "temporary failure";
	case MP_EINTERNAL:	return "internal error";
	default:		return "error";
	}
}

static void
verdict(struct mp_reporter_decision *d, enum mp_reporter_verdict v,
    const char *passed, const char *a, const char *b)
{
	d->verdict = v;
	snprintf(d->passed, sizeof(d->passed), "%s", passed);
	if (b != NULL)
		say(d->reason, sizeof(d->reason), "%s; %s", a, b);
	else
		say(d->reason, sizeof(d->reason), "%s", a);
}

static void
unknown(const struct mp_reporter_facts *f, const char *from, const char *sdom,
    struct mp_reporter_decision *d)
{
	const char *who = from[0] != '\0' ? from : sdom[0] != '\0' ? sdom : "the sender";
	char why[MP_REPORTER_REASON_MAX];

	if (f->unknown != MP_UNKNOWN_ACCEPT) {
		say(why, sizeof(why), "%s is not a known reporter (UnknownReporters quarantine)",
		    who);
		verdict(d, MP_REPORTER_FAIL, "", why, NULL);
		return;
	}
	if (f->spf != NULL && sdom[0] != '\0' && f->spf->result == MP_SPF_FAIL) {
		say(why, sizeof(why), "SPF fail for %s from %s: a forged sender, even "
		    "under UnknownReporters accept", f->env_sender,
		    f->client_ip != NULL ? f->client_ip : "an unknown address");
		verdict(d, MP_REPORTER_FAIL, "", why, NULL);
		return;
	}
	if (f->spf != NULL && sdom[0] != '\0' && f->spf->result == MP_SPF_RETRY) {
		say(why, sizeof(why), "SPF for %s cannot be checked now: %s",
		    f->env_sender, f->spf->why);
		verdict(d, MP_REPORTER_RETRY, "", why, NULL);
		return;
	}
	say(why, sizeof(why), "%s is not a known reporter; accepted "
	    "(UnknownReporters accept)", who);
	verdict(d, MP_REPORTER_PASS, "", why, NULL);
}

void
mp_reporter_decide(const struct mp_reporter_facts *f,
    struct mp_reporter_decision *d)
{
	char from[DOM_MAX], sdom[DOM_MAX], rep[DOM_MAX];
	struct part sp = { MP_REPORTER_PASS, "" }, dp = { MP_REPORTER_PASS, "" };
	int want_spf, want_dkim;

	memset(d, 0, sizeof(*d));
	norm(f->from_domain, from);
	norm(f->env_sender != NULL && *f->env_sender != '\0'
	    ? mp_addr_domain(f->env_sender) : "", sdom);
	if (f->known == MP_RETRY) {
		verdict(d, MP_REPORTER_RETRY, "",
		    "the known-reporter records cannot be read now", NULL);
		return;
	}
	if (f->spf_fault != 0 || f->dkim_fault != 0) {
		char a[MP_REPORTER_REASON_MAX / 2], b[MP_REPORTER_REASON_MAX / 2];

		if (f->spf_fault != 0)
			say(a, sizeof(a), "the SPF check could not run (%s): %s",
			    fault_name(f->spf_fault), f->spf_fault_why != NULL ?
			    f->spf_fault_why : "no reason given");
		if (f->dkim_fault != 0)
			say(b, sizeof(b), "the DKIM check could not run (%s): %s",
			    fault_name(f->dkim_fault), f->dkim_fault_why != NULL ?
			    f->dkim_fault_why : "no reason given");
		verdict(d, MP_REPORTER_RETRY, "", f->spf_fault != 0 ? a : b,
		    f->spf_fault != 0 && f->dkim_fault != 0 ? b : NULL);
		return;
	}
	if (f->known != MP_FOUND) {
		unknown(f, from, sdom, d);
		return;
	}
	norm(f->reporter_domain, rep);
	want_spf = (f->required & MP_AUTH_SPF) != 0;
	want_dkim = (f->required & MP_AUTH_DKIM) != 0;
	if (rep[0] == '\0' || (!want_spf && !want_dkim)) {
		verdict(d, MP_REPORTER_FAIL, "",
		    "the known-reporter record has no domain or no required method", NULL);
		return;
	}
	if (from[0] != '\0' && !mp_reporter_within(from, rep)) {
		char why[MP_REPORTER_REASON_MAX];

		say(why, sizeof(why), "From domain %s is not within the known reporter %s",
		    from, rep);
		verdict(d, MP_REPORTER_FAIL, "", why, NULL);
		return;
	}
	if (want_spf)
		spf_part(f, rep, &sp);
	if (want_dkim)
		dkim_part(f, rep, &dp);
	if (sp.v == MP_REPORTER_FAIL || dp.v == MP_REPORTER_FAIL)
		verdict(d, MP_REPORTER_FAIL, "",
		    sp.v == MP_REPORTER_FAIL ? sp.why : dp.why,
		    sp.v == MP_REPORTER_FAIL && dp.v == MP_REPORTER_FAIL ? dp.why : NULL);
	else if (sp.v == MP_REPORTER_RETRY || dp.v == MP_REPORTER_RETRY)
		verdict(d, MP_REPORTER_RETRY, "",
		    sp.v == MP_REPORTER_RETRY ? sp.why : dp.why,
		    sp.v == MP_REPORTER_RETRY && dp.v == MP_REPORTER_RETRY ? dp.why : NULL);
	else
		verdict(d, MP_REPORTER_PASS,
		    want_spf && want_dkim ? "spf+dkim" : want_spf ? "spf" : "dkim",
		    want_spf ? sp.why : dp.why, want_spf && want_dkim ? dp.why : NULL);
}

const char *
mp_reporter_verdict_name(enum mp_reporter_verdict v)
{
	switch (v) {
	case MP_REPORTER_PASS:	return "pass";
	case MP_REPORTER_FAIL:	return "fail";
	case MP_REPORTER_RETRY:	return "retry";
	}
	return "?";
}

const char *
mp_unknown_policy_name(enum mp_unknown_policy p)
{
	return p == MP_UNKNOWN_ACCEPT ? "accept" : "quarantine";
}

int
mp_unknown_policy_parse(const char *s, enum mp_unknown_policy *p)
{
	if (strcasecmp(s, "quarantine") == 0)
		*p = MP_UNKNOWN_QUARANTINE;
	else if (strcasecmp(s, "accept") == 0)
		*p = MP_UNKNOWN_ACCEPT;
	else
		return MP_EINPUT;
	return 0;
}
