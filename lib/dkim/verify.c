/*
 * verify - see verify.h
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <opendkim/dkim.h>

#include "buf.h"
#include "readfile.h"
#include "msgsplit.h"
#include "dnszone.h"
#include "verify.h"

struct mp_verifier {
	DKIM_LIB *lib;
	mp_dkim_key_fn lookup;
	void *arg;
};

/*
 * Per message: libopendkim aborts the whole message when a key lookup
 * callback says "try again", so the hook answers "no key" and notes the
 * record here; judge() turns that signature's NOKEY back into RETRY.
 */
struct vmsg {
	const struct mp_verifier *v;
	size_t nretry;
	char retry[MP_VERIFY_MAX_SIGS][320];
};

static int
was_retry(const struct vmsg *vm, const char *name)
{
	size_t i;

	for (i = 0; i < vm->nretry; i++)
		if (strcmp(vm->retry[i], name) == 0)
			return 1;
	return 0;
}

const char *
mp_dkim_result_name(enum mp_dkim_result r)
{
	switch (r) {
	case MP_DKIM_PASS:	return "pass";
	case MP_DKIM_FAIL:	return "fail";
	default:		return "retry";
	}
}

/* ---------------------------------------------------------------- */
/* Key lookup hook                                                  */

static DKIM_CBSTAT
key_hook(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	struct vmsg *vm = dkim_get_user_context(dkim);
	const char *sel = (const char *)dkim_sig_getselector(sig);
	const char *dom = (const char *)dkim_sig_getdomain(sig);
	char name[600];
	int n;

	if (vm == NULL || sel == NULL || dom == NULL)
		return DKIM_CBSTAT_ERROR;
	n = snprintf(name, sizeof(name), "%s._domainkey.%s", sel, dom);
	if (n < 0 || (size_t)n >= sizeof(vm->retry[0]))
		return DKIM_CBSTAT_NOTFOUND;
	switch (vm->v->lookup(vm->v->arg, name, (char *)buf, buflen)) {
	case MP_FOUND:
		return DKIM_CBSTAT_CONTINUE;
	case MP_NOTFOUND:
		return DKIM_CBSTAT_NOTFOUND;
	default:
		if (vm->nretry < MP_VERIFY_MAX_SIGS && !was_retry(vm, name))
			memcpy(vm->retry[vm->nretry++], name, (size_t)n + 1);
		return DKIM_CBSTAT_NOTFOUND;
	}
}

struct mp_verifier *
mp_verifier_new(mp_dkim_key_fn lookup, void *arg, unsigned dns_timeout,
    struct mp_error *err)
{
	struct mp_verifier *v = calloc(1, sizeof(*v));
	unsigned flags = DKIM_LIBFLAGS_BADSIGHANDLES;
	unsigned timeout = dns_timeout ? dns_timeout : 10;

	if (v == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory"), NULL;
	v->lib = dkim_init(NULL, NULL);
	if (v->lib == NULL) {
		free(v);
		return mp_error_set(err, MP_EINTERNAL, "libopendkim did not initialise"), NULL;
	}
	v->lookup = lookup;
	v->arg = arg;
	if (dkim_options(v->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_options(v->lib, DKIM_OP_SETOPT, DKIM_OPTS_TIMEOUT, &timeout,
	    sizeof(timeout)) != DKIM_STAT_OK ||
	    (lookup != NULL && dkim_set_key_lookup(v->lib, key_hook) != DKIM_STAT_OK)) {
		mp_verifier_free(&v);
		return mp_error_set(err, MP_EINTERNAL, "libopendkim refused an option"), NULL;
	}
	return v;
}

void
mp_verifier_free(struct mp_verifier **vp)
{
	if (*vp == NULL)
		return;
	if ((*vp)->lib != NULL)
		dkim_close((*vp)->lib);
	free(*vp);
	*vp = NULL;
}

/* ---------------------------------------------------------------- */
/* Verification                                                     */

/* libopendkim wants CRLF everywhere; copy only when a bare LF is seen. */
static int
to_crlf(const char *msg, size_t len, struct mp_buf *b, const char **outp,
    size_t *outlen)
{
	const char *p = msg, *e = msg + len, *lf;
	int rc = 0;

	for (lf = memchr(p, '\n', len); lf != NULL; lf = memchr(lf + 1, '\n', (size_t)(e - lf - 1)))
		if (lf == msg || lf[-1] != '\r')
			break;
	if (lf == NULL) {
		*outp = msg;
		*outlen = len;
		return 0;
	}
	while (rc == 0 && p < e) {
		lf = memchr(p, '\n', (size_t)(e - p));
		if (lf == NULL) {
			rc = mp_buf_append(b, p, (size_t)(e - p));
			break;
		}
		rc = mp_buf_append(b, p, (size_t)(lf > p && lf[-1] == '\r' ? lf - 1 - p : lf - p));
		if (rc == 0)
			rc = mp_buf_append(b, "\r\n", 2);
		p = lf + 1;
	}
	*outp = b->data != NULL ? b->data : "";
	*outlen = b->len;
	return rc;
}

static void
copy_str(char *dst, size_t n, const unsigned char *src)
{
	size_t i;

	if (src == NULL) {
		dst[0] = '\0';
		return;
	}
	/* Values reach logs and verdicts: no control characters. */
	for (i = 0; i + 1 < n && src[i] != '\0'; i++)
		dst[i] = (src[i] < 0x20 || src[i] == 0x7f) ? '?' : (char)src[i];
	dst[i] = '\0';
}

static const char *
alg_name(DKIM_SIGINFO *sig)
{
	dkim_alg_t a = DKIM_SIGN_UNKNOWN;

	(void)dkim_sig_getsignalg(sig, &a);
	switch (a) {
	case DKIM_SIGN_RSASHA1:		return "rsa-sha1";
	case DKIM_SIGN_RSASHA256:	return "rsa-sha256";
	case DKIM_SIGN_ED25519SHA256:	return "ed25519-sha256";
	default:			return "unknown";
	}
}

/* Format via a local buffer: the arguments may be other fields of *r. */
static void __attribute__((format(printf, 2, 3)))
set_why(struct mp_dkim_sig *r, const char *fmt, ...)
{
	char tmp[sizeof(r->why)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	memcpy(r->why, tmp, sizeof(tmp));
}

static void
judge(DKIM *dkim, DKIM_SIGINFO *sig, const struct vmsg *vm, struct mp_dkim_sig *r)
{
	char name[sizeof(vm->retry[0])];
	unsigned flags = dkim_sig_getflags(sig);
	int e;
	ssize_t msglen = -1, canonlen = -1, signlen = -1;

	copy_str(r->domain, sizeof(r->domain), dkim_sig_getdomain(sig));
	copy_str(r->selector, sizeof(r->selector), dkim_sig_getselector(sig));
	snprintf(r->alg, sizeof(r->alg), "%s", alg_name(sig));
	if ((flags & DKIM_SIGFLAG_PROCESSED) == 0 && (flags & DKIM_SIGFLAG_IGNORE) == 0) {
		(void)dkim_sig_process(dkim, sig);
		flags = dkim_sig_getflags(sig);
	}
	e = dkim_sig_geterror(sig);
	snprintf(name, sizeof(name), "%s._domainkey.%s", r->selector, r->domain);
	if (e == DKIM_SIGERROR_NOKEY && was_retry(vm, name))
		e = DKIM_SIGERROR_KEYFAIL;
	if (DKIM_SIG_CHECK(sig)) {
		r->result = MP_DKIM_PASS;
		set_why(r, "verified");
		/*
		 * libopendkim hashes only l= bytes and reports the raw body
		 * length, which white space may make longer than the canonical
		 * one: any l= shorter than the raw body counts as partial.
		 */
		if (dkim_sig_getcanonlen(dkim, sig, &msglen, &canonlen, &signlen) == DKIM_STAT_OK &&
		    signlen >= 0 && signlen < msglen) {
			r->partial = 1;
			set_why(r, "verified, but l=%zd leaves up to %zd body bytes unsigned",
			    signlen, msglen - signlen);
		}
		return;
	}
	r->result = MP_DKIM_FAIL;
	r->code = MP_DKIM_WHY_OTHER;
	if (e == DKIM_SIGERROR_KEYFAIL) {
		r->result = MP_DKIM_RETRY;
		r->code = MP_DKIM_WHY_DNS;
		set_why(r,
		    "the key record %s._domainkey.%s could not be fetched now (DNS trouble)",
		    r->selector, r->domain);
	} else if (e == DKIM_SIGERROR_NOKEY) {
		r->code = MP_DKIM_WHY_NOKEY;
		set_why(r,
		    "no key record %s._domainkey.%s is published", r->selector, r->domain);
	} else if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH &&
	    (e == DKIM_SIGERROR_OK || e == DKIM_SIGERROR_BADSIG)) {
		r->code = MP_DKIM_WHY_BODY;
		set_why(r,
		    "body hash mismatch: the body was changed after signing");
	} else if (e == DKIM_SIGERROR_BADSIG ||
	    (e == DKIM_SIGERROR_OK && (flags & DKIM_SIGFLAG_PASSED) == 0)) {
		r->code = MP_DKIM_WHY_SIG;
		set_why(r,
		    "signature mismatch: a signed header was changed after signing, "
		    "or the key does not match");
	} else if (e != DKIM_SIGERROR_OK) {
		const char *s = dkim_sig_geterrorstr(e);

		set_why(r, "%s", s != NULL ? s : "unknown error");
	} else
		set_why(r, "not verified");
}

static int
is_cb(DKIM_STAT st)
{
	return st == DKIM_STAT_CBREJECT || st == DKIM_STAT_CBINVALID ||
	    st == DKIM_STAT_CBTRYAGAIN || st == DKIM_STAT_CBERROR;
}

/*
 * Verification outcomes (BADSIG, NOKEY, ...) are read per signature
 * afterwards; only resource trouble and a failing hook end the message.
 */
static int
feed(DKIM *dkim, const char *msg, size_t len, struct mp_error *err)
{
	struct mp_msg m = { 0 };
	DKIM_STAT st = DKIM_STAT_OK;
	size_t i;
	int rc;

	rc = mp_msg_split(msg, len, MP_VERIFY_MAX_FIELDS, &m, err);
	for (i = 0; rc == 0 && i < m.n && st == DKIM_STAT_OK; i++)
		st = dkim_header(dkim, (u_char *)(uintptr_t)m.f[i].p, m.f[i].len);
	if (rc == 0 && st == DKIM_STAT_OK)
		st = dkim_eoh(dkim);
	if (rc == 0 && st != DKIM_STAT_NORESOURCE && st != DKIM_STAT_INTERNAL && !is_cb(st)) {
		if (m.bodylen > 0)
			(void)dkim_body(dkim, (u_char *)(uintptr_t)m.body, m.bodylen);
		st = dkim_eom(dkim, NULL);
	}
	mp_msg_clear(&m);
	if (rc != 0)
		return rc;
	if (st == DKIM_STAT_NORESOURCE)
		return mp_error_set(err, MP_ENOMEM, "libopendkim: out of memory");
	if (is_cb(st))
		return mp_error_set(err, MP_ERETRY, "the DKIM key lookup failed: %s",
		    dkim_getresultstr(st));
	if (st == DKIM_STAT_INTERNAL)
		return mp_error_set(err, MP_EINTERNAL, "libopendkim: %s",
		    dkim_geterror(dkim) ? dkim_geterror(dkim) : dkim_getresultstr(st));
	return 0;
}

int
mp_verify_message(const struct mp_verifier *v, const char *msg, size_t len,
    struct mp_verify_result *out, struct mp_error *err)
{
	struct mp_buf b;
	const char *m;
	size_t mlen, i;
	DKIM_STAT st;
	DKIM *dkim;
	DKIM_SIGINFO **sigs = NULL;
	struct vmsg *vm;
	int nsigs = 0, rc;

	memset(out, 0, sizeof(*out));
	mp_buf_init(&b, 0);
	if (to_crlf(msg, len, &b, &m, &mlen) != 0) {
		mp_buf_free(&b);
		return mp_error_set(err, MP_ENOMEM, "out of memory reading the message");
	}
	vm = calloc(1, sizeof(*vm));
	dkim = vm ? dkim_verify(v->lib, (const u_char *)"meldpunt", NULL, &st) : NULL;
	if (dkim == NULL) {
		free(vm);
		mp_buf_free(&b);
		return mp_error_set(err, MP_ENOMEM, "libopendkim: out of memory");
	}
	vm->v = v;
	(void)dkim_set_user_context(dkim, vm);
	rc = feed(dkim, m, mlen, err);
	if (rc == 0 && dkim_getsiglist(dkim, &sigs, &nsigs) == DKIM_STAT_OK) {
		for (i = 0; i < (size_t)nsigs; i++) {
			if (out->n == MP_VERIFY_MAX_SIGS) {
				out->more++;
				continue;
			}
			judge(dkim, sigs[i], vm, &out->sig[out->n++]);
		}
	}
	dkim_free(dkim);
	free(vm);
	mp_buf_free(&b);
	return rc;
}

/* ---------------------------------------------------------------- */
/* Key file: "selector._domainkey.domain TXT" lines                 */

/* The key file is a DNS zone file read as one (dnszone.h). */
struct mp_keyfile {
	struct mp_dnszone *z;
};

static struct mp_keyfile *
wrap(struct mp_dnszone *z, struct mp_error *err)
{
	struct mp_keyfile *k;

	if (z == NULL)
		return NULL;
	if ((k = malloc(sizeof(*k))) == NULL) {
		mp_dnszone_free(&z);
		mp_error_set(err, MP_ENOMEM, "out of memory");
		return NULL;
	}
	k->z = z;
	return k;
}

struct mp_keyfile *
mp_keyfile_parse(const char *name, const char *text, size_t len,
    struct mp_error *err)
{
	return wrap(mp_dnszone_parse_as(name, text, len, MP_DNSZONE_KEYFILE, err), err);
}

struct mp_keyfile *
mp_keyfile_load(const char *path, struct mp_error *err)
{
	return wrap(mp_dnszone_load_as(path, MP_DNSZONE_KEYFILE, err), err);
}

void
mp_keyfile_free(struct mp_keyfile **kp)
{
	if (*kp == NULL)
		return;
	mp_dnszone_free(&(*kp)->z);
	free(*kp);
	*kp = NULL;
}

size_t
mp_keyfile_count(const struct mp_keyfile *k)
{
	return mp_dnszone_count(k->z);
}

enum mp_lookup
mp_keyfile_lookup(void *arg, const char *name, char *txt, size_t txtsz)
{
	const struct mp_keyfile *k = arg;

	return mp_dnszone_dkim_lookup(k->z, name, txt, txtsz);
}
