/*
 * snapshot - see snapshot.h
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "identity.h"
#include "sign.h"
#include "snapshot.h"

static void
snapshot_free(struct mp_snapshot *s)
{
	mp_signer_free(&s->signer);
	mp_identity_map_free(&s->idmap);
	mp_netlist_free(&s->trusted);
	mp_conf_free(&s->conf);
	free(s);
}

static int
load_trusted(struct mp_snapshot *s, struct mp_error *err)
{
	struct mp_buf text;
	char **h;
	int rc = MP_OK;

	mp_buf_init(&text, 0);
	for (h = s->conf->trusted_hosts; rc == MP_OK && *h != NULL; h++)
		if ((rc = mp_buf_puts(&text, *h)) == MP_OK)
			rc = mp_buf_puts(&text, " ");
	if (rc != MP_OK)
		mp_error_set(err, rc, "out of memory");
	else if ((s->trusted = mp_netlist_parse("TrustedHosts", text.data,
	    err)) == NULL) {
		mp_error_prefix(err, "%s", s->conf->path);
		rc = MP_ECONFIG;
	}
	mp_buf_free(&text);
	return rc;
}

/* Everything the configuration names, read now so no message waits on it. */
static int
load_parts(struct mp_snapshot *s, struct mp_error *err)
{
	const struct mp_conf *c = s->conf;

	if (c->signing_domain != NULL &&
	    (s->signer = mp_signer_load(c->signing_domain, c->rsa_selector,
	    c->rsa_keyfile, c->ed_selector, c->ed_keyfile, err)) == NULL)
		return MP_ECONFIG;
	if (c->identity_map != NULL &&
	    (s->idmap = mp_identity_map_load(c->identity_map, err)) == NULL)
		return MP_ECONFIG;
	if (c->trusted_hosts != NULL && load_trusted(s, err) != MP_OK)
		return MP_ECONFIG;
	return MP_OK;
}

struct mp_snapshot *
mp_snapshot_load(const char *conf_path, struct mp_error *err)
{
	struct mp_snapshot *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		mp_error_set(err, MP_ENOMEM, "out of memory");
		return NULL;
	}
	s->refs = 1;
	s->loaded = time(NULL);
	if ((s->conf = mp_conf_load(conf_path, err)) == NULL ||
	    load_parts(s, err) != MP_OK) {
		snapshot_free(s);
		return NULL;
	}
	return s;
}

void
mp_current_init(struct mp_current *cur)
{
	pthread_mutex_init(&cur->lock, NULL);
	cur->snap = NULL;
	cur->generation = 0;
}

static void
unref_locked(struct mp_snapshot *s)
{
	if (s != NULL && --s->refs == 0)
		snapshot_free(s);
}

void
mp_current_install(struct mp_current *cur, struct mp_snapshot *snap)
{
	pthread_mutex_lock(&cur->lock);
	snap->generation = ++cur->generation;
	unref_locked(cur->snap);
	cur->snap = snap;
	pthread_mutex_unlock(&cur->lock);
}

struct mp_snapshot *
mp_current_acquire(struct mp_current *cur)
{
	struct mp_snapshot *s;

	pthread_mutex_lock(&cur->lock);
	if ((s = cur->snap) != NULL)
		s->refs++;
	pthread_mutex_unlock(&cur->lock);
	return s;
}

void
mp_current_release(struct mp_current *cur, struct mp_snapshot **snapp)
{
	if (*snapp == NULL)
		return;
	pthread_mutex_lock(&cur->lock);
	unref_locked(*snapp);
	pthread_mutex_unlock(&cur->lock);
	*snapp = NULL;
}

void
mp_current_clear(struct mp_current *cur)
{
	pthread_mutex_lock(&cur->lock);
	unref_locked(cur->snap);
	cur->snap = NULL;
	pthread_mutex_unlock(&cur->lock);
}
