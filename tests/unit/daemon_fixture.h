/*
 * daemon_fixture - test helpers for the unit tests of lib/daemon's paths
 * (intake, outbound, bounce, reply, sender) without an MTA
 *
 * What each of those tests wrote again for itself:
 *
 *	fx_write(), fx_snapshot(), fx_release(), fx_seen(): a configuration
 *	file in the test's temp dir, a snapshot loaded from it, released
 *	the way the daemon releases one (through a struct mp_current), the
 *	handle of its state DB.
 *	fx_run(), fx_routes(), fx_sample_routes(), fx_edited(): a shell
 *	command that must succeed; a routing DB compiled by meldpunt-route
 *	from a source the test writes, or from the sample sources
 *	(etc/routes.conf over the RIPE sample); a sample file edited by sed.
 *	fx_keygen(), fx_signer(), fx_reporters_make(): Ed25519 keys, their
 *	signers and DNS records; the two sample reporters, known reporters
 *	that must pass DKIM (etc/routes.conf), who sign the sample reports.
 *	fx_crlf(), fx_wire_file(), fx_reporter_of(), fx_sign(): a message
 *	as on the wire (CRLF), the reporter its From: names, and the same
 *	signed by that reporter as its DKIM-Signature field first.
 *	fx_envelope(), fx_decide(): an envelope filled as the milter
 *	callbacks fill it, and the end-of-message decision on it.
 *	fx_plan_hdr(), fx_plan_added(): the header changes of a plan.
 *
 *	Every helper fails the running test (ck_assert) instead of returning
 *	an error. Files are found through top_srcdir and top_builddir (set
 *	by make check).
 * OWNERSHIP
 *	Snapshots are the caller's, to fx_release(); fx_seen() lends the
 *	snapshot's handle. Buffers filled here are initialised here and are
 *	the caller's to mp_buf_free(). Signers are the caller's to
 *	mp_signer_free() (fx_reporters_free() for the pair).
 */
#ifndef MP_TEST_DAEMON_FIXTURE_H
#define MP_TEST_DAEMON_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check_tap.h"
#include "envelope.h"
#include "eom.h"
#include "plan.h"
#include "sign.h"
#include "snapshot.h"
#include "statedb.h"

#define FX_REPORTERS	2

static inline const char *
fx_srcdir(void)
{
	return mp_check_dir("top_srcdir", ".");
}

static inline const char *
fx_builddir(void)
{
	return mp_check_dir("top_builddir", ".");
}

/* A shell command that must succeed. */
static inline void
fx_run(const char *cmd)
{
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

/* dir/name, written with the format `fmt` (a configuration, a source). */
__attribute__((format(printf, 3, 4)))
static inline void
fx_write(const char *dir, const char *name, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	ck_assert_int_eq(fclose(fp), 0);
}

/* A snapshot of the configuration dir/name. */
static inline struct mp_snapshot *
fx_snapshot(const char *dir, const char *name)
{
	char path[512];
	struct mp_error err;
	struct mp_snapshot *s;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	s = mp_snapshot_load(path, NULL, &err);
	ck_assert_msg(s != NULL, "%s", err.msg);
	return s;
}

/* Free a snapshot the way the daemon does: through a holder. */
static inline void
fx_release(struct mp_snapshot *s)
{
	struct mp_current cur;

	mp_current_init(&cur);
	mp_current_install(&cur, s);
	mp_current_clear(&cur);
}

/* The snapshot's state DB, opened now if it was not. */
static inline struct mp_seen *
fx_seen(const struct mp_snapshot *s)
{
	struct mp_error err;
	struct mp_seen *seen = mp_statedb_get(s->statedb, &err);

	ck_assert_msg(seen != NULL, "%s", err.msg);
	return seen;
}

/* The routes source `src` as dir/<name>.conf, compiled into dir/<name>.db. */
static inline void
fx_routes(const char *dir, const char *name, const char *src)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "%s.conf", name);
	fx_write(dir, cmd, "%s", src);
	snprintf(cmd, sizeof(cmd), "'%s/tools/meldpunt-route' compile -o "
	    "'%s/%s.db' '%s/%s.conf' >/dev/null", fx_builddir(), dir, name, dir,
	    name);
	fx_run(cmd);
}

/* The sample routes (etc/routes.conf, the RIPE sample) in dir/routes.db. */
static inline void
fx_sample_routes(const char *dir)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "'%s/tools/meldpunt-route' compile -o "
	    "'%s/routes.db' --rpsl '%s/examples/ripe-sample.db' "
	    "'%s/etc/routes.conf' >/dev/null 2>&1", fx_builddir(), dir,
	    fx_srcdir(), fx_srcdir());
	fx_run(cmd);
}

/* A copy of the source tree's `sample` as dir/name, edited by a sed
 * script; the path (static storage, until the next call). */
static inline const char *
fx_edited(const char *dir, const char *sample, const char *script,
    const char *name)
{
	static char path[512];
	char cmd[2048];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "sed -e '%s' '%s/%s' >'%s'", script,
	    fx_srcdir(), sample, path);
	fx_run(cmd);
	return path;
}

/* A new Ed25519 private key in the file `key` (mode 0600). */
static inline void
fx_keygen(const char *key)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "umask 077; openssl genpkey -algorithm "
	    "ed25519 -out '%s' 2>/dev/null", key);
	fx_run(cmd);
}

/* A new key in dir/key, its signer for `domain` with the Ed25519
 * `selector`, and its DKIM record added to the test zone dir/dns.zone. */
static inline struct mp_signer *
fx_signer(const char *dir, const char *key, const char *domain,
    const char *selector)
{
	char path[512];
	struct mp_signer *sg;
	struct mp_error err;
	FILE *zone;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	fx_keygen(path);
	sg = mp_signer_load(domain, NULL, NULL, selector, path, &err);
	ck_assert_msg(sg != NULL, "%s", err.msg);
	snprintf(path, sizeof(path), "%s/dns.zone", dir);
	ck_assert_ptr_nonnull(zone = fopen(path, "a"));
	fprintf(zone, "%s TXT \"%s\"\n", mp_signer_record_name(sg, 0),
	    mp_signer_txt(sg, 0));
	ck_assert_int_eq(fclose(zone), 0);
	return sg;
}

/* The domain of sample reporter i (< FX_REPORTERS). */
static inline const char *
fx_reporter_domain(int i)
{
	static const char *const domain[FX_REPORTERS] = {
		"mailbox.example.com", "research.example.org",
	};

	return domain[i];
}

/* The sample reporters (selector "rep"), their keys in dir/<domain>.key
 * and their records in dir/dns.zone. */
static inline void
fx_reporters_make(const char *dir, struct mp_signer **rep)
{
	char key[256];
	int i;

	for (i = 0; i < FX_REPORTERS; i++) {
		snprintf(key, sizeof(key), "%s.key", fx_reporter_domain(i));
		rep[i] = fx_signer(dir, key, fx_reporter_domain(i), "rep");
	}
}

static inline void
fx_reporters_free(struct mp_signer **rep)
{
	int i;

	for (i = 0; i < FX_REPORTERS; i++)
		mp_signer_free(&rep[i]);
}

/* `text` appended with each "\n" made "\r\n" (a folded header field as
 * libmilter has it, a test message written with "\n"). */
static inline void
fx_crlf(struct mp_buf *out, const char *text)
{
	for (; *text != '\0'; text++)
		if (*text == '\n')
			mp_buf_puts(out, "\r\n");
		else
			mp_buf_append(out, text, 1);
}

/* The file `name` (under the source tree unless it starts with '/') as on
 * the wire: every line ending in CRLF. */
static inline void
fx_wire_file(const char *name, struct mp_buf *msg)
{
	char path[1024], line[4096];
	FILE *fp;

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", fx_srcdir(), name);
	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	mp_buf_init(msg, 0);
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		mp_buf_printf(msg, "%s\r\n", line);
	}
	fclose(fp);
}

/* The sample reporter that the first From: line naming one names
 * (anywhere in the file, as a line); -1 when none does. */
static inline int
fx_reporter_of(const struct mp_buf *msg)
{
	const char *p, *nl;
	char line[4096];
	int i;

	for (p = msg->data; (nl = strstr(p, "\r\n")) != NULL; p = nl + 2) {
		if (strncmp(p, "From:", 5) != 0)
			continue;
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		for (i = 0; i < FX_REPORTERS; i++)
			if (strstr(line, fx_reporter_domain(i)) != NULL)
				return i;
	}
	return -1;
}

/* `raw` (CRLF) signed by `sg`: its DKIM-Signature field, folded as
 * libmilter passes it on (CRLF), then raw, in *msg. */
static inline void
fx_sign(const struct mp_signer *sg, const struct mp_buf *raw,
    struct mp_buf *msg)
{
	struct mp_sign_out out;
	struct mp_error err;

	ck_assert_int_eq(mp_sign_message(sg, raw->data, raw->len, &out, &err),
	    MP_OK);
	mp_buf_init(msg, 0);
	mp_buf_puts(msg, "DKIM-Signature: ");
	fx_crlf(msg, out.hdr[0].value);
	mp_buf_puts(msg, "\r\n");
	mp_buf_append(msg, raw->data, raw->len);
	mp_sign_out_clear(&out);
}

/* Who sends, as the MTA tells the milter: client address, {daemon_name},
 * HELO name, MAIL FROM. */
struct fx_client {
	const char *addr, *daemon, *helo, *sender;
};

/*
 * A new envelope for s's configuration, filled with `msg` (len bytes,
 * CRLF) from `cl` to rcpt[0..n) the way the milter callbacks fill it:
 * connection, HELO, MAIL FROM, each RCPT TO (the flow decided as they
 * come), each header field (a fold kept as "\n" and the folded line),
 * end of header (From read, the flow decided again), the body in one
 * chunk. The caller frees it, or has fx_decide() do so.
 */
static inline void
fx_envelope(struct mp_envelope *env, const struct mp_snapshot *s,
    const struct fx_client *cl, const char *const *rcpt, size_t n,
    const char *msg, size_t len)
{
	char hname[256];
	struct mp_buf value;
	const char *p, *e = msg + len, *nl, *colon;
	size_t i;
	int have = 0;

	mp_env_init(env, s->conf);
	mp_env_connection(env, cl->addr, cl->daemon);
	mp_env_helo(env, cl->helo);
	mp_env_sender(env, cl->sender, NULL);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(mp_env_rcpt(env, rcpt[i]), MP_OK);
	mp_buf_init(&value, 0);
	for (p = msg; p < e; p = nl + 2) {
		ck_assert_ptr_nonnull(nl = strstr(p, "\r\n"));
		if ((*p == ' ' || *p == '\t') && have) {
			mp_buf_puts(&value, "\n");
			mp_buf_append(&value, p, (size_t)(nl - p));
			continue;
		}
		if (have)
			mp_env_header(env, hname, value.data, 0);
		if (nl == p) {
			mp_env_eoh(env);
			mp_env_body(env, (const unsigned char *)nl + 2,
			    (size_t)(e - nl - 2));
			break;
		}
		ck_assert_ptr_nonnull(colon = memchr(p, ':', (size_t)(nl - p)));
		snprintf(hname, sizeof(hname), "%.*s", (int)(colon - p), p);
		mp_buf_reset(&value);
		mp_buf_append(&value, colon + 1, (size_t)(nl - colon - 1));
		have = 1;
	}
	mp_buf_free(&value);
}

/*
 * End of message: the plan for `env` (which is freed), and the flow the
 * message ended in in *flow when that is not NULL. Returns the verdict.
 */
static inline int
fx_decide(const struct mp_snapshot *s, struct mp_envelope *env,
    struct mp_plan *plan, enum mp_flow *flow)
{
	if (flow != NULL)
		*flow = env->flow;
	mp_plan_init(plan);
	mp_eom_decide(s, env, plan);
	mp_env_free(env);
	return plan->verdict;
}

/* The nth (from 0) header change `op` of field `name` in the plan. */
static inline const struct mp_hdr_change *
fx_plan_hdr(const struct mp_plan *p, enum mp_hdr_op op, const char *name,
    unsigned nth)
{
	size_t i;

	for (i = 0; i < p->nhdrs; i++)
		if (p->hdrs[i].op == op &&
		    strcasecmp(p->hdrs[i].name, name) == 0 && nth-- == 0)
			return &p->hdrs[i];
	return NULL;
}

/* The value of the first field `name` the plan adds; NULL for none. */
static inline const char *
fx_plan_added(const struct mp_plan *p, const char *name)
{
	const struct mp_hdr_change *h = fx_plan_hdr(p, MP_HDR_ADD, name, 0);

	return h != NULL ? h->value : NULL;
}

#endif
