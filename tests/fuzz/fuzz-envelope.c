/*
 * libFuzzer target: a message as the milter receives it, fed to the
 * envelope (envelope.h: header fields, end of header, body chunks) and
 * then to the plan (plan.h): mp_plan_delete_headers() over the buffered
 * message, and each header field offered back through mp_plan_header(),
 * which must refuse what could inject a field or a line.
 *
 * Input: byte 0 picks the options (bit 0 add_space, bit 1 an outbound
 * submission instead of an intake report, bit 2 a second message on the
 * same envelope); byte 1 the body chunk size; the rest is the message,
 * header fields split as libmilter passes them (a folded value keeps its
 * "\n\t"), up to the first empty line.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "envelope.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char conf_text[] =
    "IntakeAddress meldingen@meldpunt.test\n"
    "ProtectedDomains meldpunt.test\n"
    "MaximumMessageSize 16K\n"
    "SubmissionDaemons ORIGINATING\n";

static struct mp_conf *conf;

/* One field "name: value" from s[0..n): NUL-terminated copies, or -1. */
static int
split_field(const char *s, size_t n, char **name, char **value)
{
	const char *colon = memchr(s, ':', n);
	size_t nl, vl;

	if (colon == NULL)
		return -1;
	nl = (size_t)(colon - s);
	vl = n - nl - 1;
	if ((*name = malloc(nl + 1)) == NULL || (*value = malloc(vl + 1)) == NULL) {
		free(*name);
		return -1;
	}
	memcpy(*name, s, nl);
	(*name)[nl] = '\0';
	memcpy(*value, colon + 1, vl);
	(*value)[vl] = '\0';
	return 0;
}

static void
feed_field(struct mp_envelope *env, struct mp_plan *plan, const char *s,
    size_t n, int add_space)
{
	char *name, *value;

	/* libmilter passes neither the final line end nor the colon */
	if (n > 0 && s[n - 1] == '\n')
		n--;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (split_field(s, n, &name, &value) != 0)
		return;
	(void)mp_env_header(env, name, value, add_space);
	(void)mp_plan_header(plan, MP_HDR_ADD, name, value);
	(void)mp_header_value_ok(value);
	free(name);
	free(value);
}

/* The header fields up to the empty line; returns where the body starts. */
static size_t
feed_header(struct mp_envelope *env, struct mp_plan *plan, const char *m,
    size_t len, int add_space)
{
	size_t pos = 0, next, start = 0;
	const char *nl;
	int have = 0;

	while (pos < len) {
		nl = memchr(m + pos, '\n', len - pos);
		next = nl != NULL ? (size_t)(nl - m) + 1 : len;
		if (m[pos] == '\n' || (m[pos] == '\r' && pos + 1 < len &&
		    m[pos + 1] == '\n')) {
			if (have)
				feed_field(env, plan, m + start, pos - start, add_space);
			return next;
		}
		if (!(have && (m[pos] == ' ' || m[pos] == '\t'))) {
			if (have)
				feed_field(env, plan, m + start, pos - start, add_space);
			start = pos;
			have = 1;
		}
		pos = next;
	}
	if (have)
		feed_field(env, plan, m + start, len - start, add_space);
	return len;
}

static void
one_message(struct mp_envelope *env, const uint8_t *data, size_t size,
    int opts, size_t chunk)
{
	struct mp_plan plan;
	const char *m = (const char *)data;
	size_t off, n, body;

	mp_plan_init(&plan);
	if (mp_env_sender(env, (opts & 2) ? "<noc@meldpunt.test>" :
	    "<fbl@mailbox.example.com>", NULL) == MP_OK &&
	    mp_env_rcpt(env, (opts & 2) ? "<abuse@example.net>" :
	    "<meldingen@meldpunt.test>") == MP_OK) {
		body = feed_header(env, &plan, m, size, opts & 1);
		(void)mp_env_eoh(env);
		for (off = body; off < size && mp_env_wants_body(env); off += n) {
			n = size - off < chunk ? size - off : chunk;
			if (mp_env_body(env, data + off, n) != MP_OK)
				break;
		}
		if (env->msg.data != NULL)
			(void)mp_plan_delete_headers(&plan, env->msg.data, env->msg.len);
	}
	mp_plan_free(&plan);
	mp_env_reset(env);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_envelope env;
	struct mp_error err;
	int opts;
	size_t chunk;

	if (conf == NULL &&
	    (conf = mp_conf_parse("fuzz.conf", conf_text, sizeof(conf_text) - 1,
	    &err)) == NULL)
		abort();	/* the fixed config must parse */
	if (size < 2)
		return 0;
	opts = data[0];
	chunk = (size_t)data[1] * 37 + 1;
	mp_env_init(&env, conf);
	mp_env_connection(&env, "192.0.2.1", (opts & 2) ? "ORIGINATING" : NULL);
	mp_env_helo(&env, "mx.example.net");
	one_message(&env, data + 2, size - 2, opts, chunk);
	if (opts & 4)
		one_message(&env, data + 2, size - 2, opts, chunk);
	mp_env_free(&env);
	return 0;
}
