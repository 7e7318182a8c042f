/*
 * envelope - see envelope.h
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "envelope.h"
#include "error.h"

static const char *const owned_names[MP_OWNED_COUNT] = {
	MP_HDR_FLOW, MP_HDR_OUTCOME, MP_HDR_REASON, MP_HDR_ID,
};

const char *
mp_owned_hdr_name(enum mp_owned_hdr h)
{
	return (unsigned)h < MP_OWNED_COUNT ? owned_names[h] : "";
}

int
mp_env_drop_forged(const struct mp_envelope *env, struct mp_plan *plan)
{
	unsigned i;
	int h, rc = MP_OK;

	for (h = 0; h < MP_OWNED_COUNT; h++)
		for (i = env->owned[h]; i >= 1 && rc == MP_OK; i--)
			rc = mp_plan_delete(plan, owned_names[h], i);
	return rc;
}

void
mp_env_init(struct mp_envelope *env, const struct mp_conf *conf)
{
	memset(env, 0, sizeof(*env));
	env->conf = conf;
	mp_buf_init(&env->msg, conf ? conf->max_message_size : 0);
}

static void
free_rcpts(struct mp_envelope *env)
{
	size_t i;

	for (i = 0; i < env->nrcpts; i++) {
		free(env->rcpts[i]);
		free(env->rcpts_norm[i]);
	}
	free(env->rcpts);
	free(env->rcpts_norm);
	env->rcpts = env->rcpts_norm = NULL;
	env->nrcpts = 0;
}

static void
free_from(struct mp_envelope *env)
{
	size_t i;

	for (i = 0; i < env->nfrom && i < MP_ENV_FROM_MAX; i++) {
		free(env->from[i]);
		env->from[i] = NULL;
	}
	for (i = 0; i < env->nread; i++)
		mp_from_read_clear(&env->from_read[i]);
	env->nread = 0;
	env->nfrom = 0;
}

void
mp_env_reset(struct mp_envelope *env)
{
	free_rcpts(env);
	free_from(env);
	env->auth_authen[0] = '\0';
	mp_buf_reset(&env->msg);
	env->sender[0] = '\0';
	env->sender_raw[0] = '\0';
	env->sender_bad = 0;
	env->flow = MP_FLOW_OTHER;
	env->size = 0;
	env->too_large = 0;
	env->in_body = 0;
	memset(env->owned, 0, sizeof(env->owned));
}

void
mp_env_free(struct mp_envelope *env)
{
	free_rcpts(env);
	free_from(env);
	mp_buf_free(&env->msg);
}

void
mp_env_connection(struct mp_envelope *env, const char *client_addr,
    const char *daemon_name)
{
	mp_strcpy_printable(env->client_addr, sizeof(env->client_addr), client_addr, '?');
	mp_strcpy_printable(env->daemon_name, sizeof(env->daemon_name), daemon_name, '?');
}

void
mp_env_helo(struct mp_envelope *env, const char *helo)
{
	mp_strcpy_printable(env->helo, sizeof(env->helo), helo, '?');
}

int
mp_env_sender(struct mp_envelope *env, const char *mail_from,
    const char *auth_authen)
{
	mp_env_reset(env);
	mp_strcpy_printable(env->auth_authen, sizeof(env->auth_authen), auth_authen,
	    '?');
	mp_strcpy_printable(env->sender_raw, sizeof(env->sender_raw), mail_from, '?');
	if (mp_addr_normalize(mail_from, env->sender, sizeof(env->sender)) != MP_OK) {
		/* Not one plain address: never matches a reporter or a flow (the
		 * identity check reads sender_raw for a protected domain), but
		 * the message itself goes on. */
		env->sender[0] = '\0';
		env->sender_bad = 1;
	}
	return MP_OK;
}

int
mp_env_rcpt(struct mp_envelope *env, const char *rcpt_to)
{
	char norm[MP_ADDR_MAX + 1];
	char **r, **n;

	if (env->nrcpts >= MP_ENV_RCPT_MAX)
		return MP_ELIMIT;
	if (mp_addr_normalize(rcpt_to, norm, sizeof(norm)) != MP_OK)
		norm[0] = '\0';
	if ((r = realloc(env->rcpts, (env->nrcpts + 1) * sizeof(*r))) == NULL)
		return MP_ENOMEM;
	env->rcpts = r;
	if ((n = realloc(env->rcpts_norm, (env->nrcpts + 1) * sizeof(*n))) == NULL)
		return MP_ENOMEM;
	env->rcpts_norm = n;
	r[env->nrcpts] = strdup(rcpt_to);
	n[env->nrcpts] = strdup(norm);
	if (r[env->nrcpts] == NULL || n[env->nrcpts] == NULL) {
		free(r[env->nrcpts]);
		free(n[env->nrcpts]);
		return MP_ENOMEM;
	}
	env->nrcpts++;
	env->flow = mp_flow_classify(env->conf, env->sender, norm, env->flow);
	return MP_OK;
}

int
mp_env_wants_body(const struct mp_envelope *env)
{
	return env->flow != MP_FLOW_OTHER && !env->too_large;
}

int
mp_env_has_header(const struct mp_envelope *env)
{
	return !env->too_large;
}

/* Past the limit: remember that, drop what was buffered, keep counting. */
static int
env_overflow(struct mp_envelope *env)
{
	env->too_large = 1;
	mp_buf_free(&env->msg);
	return MP_ELIMIT;
}

/* Append bytes turning bare LF into CRLF, as the message is on the wire. */
static int
append_crlf(struct mp_envelope *env, const char *p, size_t n)
{
	size_t i, start = 0;
	int rc;

	for (i = 0; i < n; i++) {
		if (p[i] != '\n' || (i > 0 && p[i - 1] == '\r'))
			continue;
		if ((rc = mp_buf_append(&env->msg, p + start, i - start)) != MP_OK ||
		    (rc = mp_buf_append(&env->msg, "\r\n", 2)) != MP_OK)
			return rc;
		start = i + 1;
	}
	return mp_buf_append(&env->msg, p + start, n - start);
}

static void
note_owned(struct mp_envelope *env, const char *name)
{
	int h;

	for (h = 0; h < MP_OWNED_COUNT; h++)
		if (strcasecmp(name, owned_names[h]) == 0)
			env->owned[h]++;
}

/* The first MP_ENV_FROM_MAX are kept, all are counted: however many
 * there are, more than one is refused (identity.h). */
static int
keep_from(struct mp_envelope *env, const char *name, const char *value)
{
	if (strcasecmp(name, "From") != 0)
		return MP_OK;
	if (env->nfrom < MP_ENV_FROM_MAX &&
	    (env->from[env->nfrom] = strdup(value)) == NULL)
		return MP_ENOMEM;
	env->nfrom++;
	return MP_OK;
}

int
mp_env_header(struct mp_envelope *env, const char *name, const char *value,
    int add_space)
{
	size_t nl = strlen(name), vl = strlen(value);
	int rc;

	note_owned(env, name);
	if ((rc = keep_from(env, name, value)) != MP_OK)
		return rc;
	env->size += nl + vl + 3 + (add_space != 0);
	if (!mp_env_has_header(env))
		return MP_OK;
	if (nl + vl > MP_ENV_HEADER_MAX || env->size > env->conf->max_message_size)
		return env_overflow(env);
	if ((rc = mp_buf_append(&env->msg, name, nl)) != MP_OK ||
	    (rc = mp_buf_append(&env->msg, ": ", add_space ? 2 : 1)) != MP_OK ||
	    (rc = append_crlf(env, value, vl)) != MP_OK ||
	    (rc = mp_buf_append(&env->msg, "\r\n", 2)) != MP_OK)
		return rc == MP_ELIMIT ? env_overflow(env) : rc;
	return MP_OK;
}

int
mp_env_eoh(struct mp_envelope *env)
{
	size_t i;
	int rc;

	/* From is read once, here: the flow, identity and intake use it. */
	for (i = env->nread; i < env->nfrom && i < MP_ENV_FROM_MAX; i++) {
		if (mp_from_read(env->from[i], &env->from_read[i]) == MP_ENOMEM)
			return MP_ENOMEM;
		env->nread = i + 1;
	}
	env->in_body = 1;
	env->size += 2;
	/* Before the body comes: the flow says whether it is kept. */
	env->flow = mp_flow_eoh(env->conf, env->flow, env->from_read, env->nread);
	if (!mp_env_has_header(env))
		return MP_OK;
	if ((rc = mp_buf_append(&env->msg, "\r\n", 2)) != MP_OK)
		return rc == MP_ELIMIT ? env_overflow(env) : rc;
	return MP_OK;
}

int
mp_env_body(struct mp_envelope *env, const unsigned char *chunk, size_t len)
{
	int rc;

	env->size += len;
	if (!mp_env_wants_body(env))
		return MP_OK;
	if (env->size > env->conf->max_message_size)
		return env_overflow(env);
	/* Body chunks arrive with the line ends the MTA sends: CRLF. */
	if ((rc = mp_buf_append(&env->msg, chunk, len)) != MP_OK)
		return rc == MP_ELIMIT ? env_overflow(env) : rc;
	return MP_OK;
}
