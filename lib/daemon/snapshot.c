/*
 * snapshot - see snapshot.h
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "buf.h"
#include "dnszone.h"
#include "identity.h"
#include "route.h"
#include "sign.h"
#include "snapshot.h"
#include "spf.h"
#include "statedb.h"
#include "template.h"
#include "verify.h"

static void
snapshot_free(struct mp_snapshot *s)
{
	mp_signer_free(&s->signer);
	mp_identity_map_free(&s->idmap);
	mp_routedb_close(&s->routedb);
	mp_templates_free(&s->templates);
	mp_statedb_unref(&s->statedb);
	mp_spf_free(&s->spf);
	mp_verifier_free(&s->verifier);
	mp_dnszone_free(&s->zone);
	mp_conf_free(&s->conf);
	free(s);
}

/* The reporter checks: SPF and DKIM, from DNS or from DNSZoneFile. */
static int
load_auth(struct mp_snapshot *s, struct mp_error *err)
{
	const struct mp_conf *c = s->conf;
	struct mp_spf_opts opts = { .budget_ms = c->spf_timeout_ms };

	if (c->dns_zone_file != NULL &&
	    (s->zone = mp_dnszone_load(c->dns_zone_file, err)) == NULL)
		return MP_ECONFIG;
	opts.zone = s->zone;
	if ((s->spf = mp_spf_new(&opts, err)) == NULL)
		return MP_ECONFIG;
	s->verifier = mp_verifier_new(s->zone ? mp_dnszone_dkim_lookup : NULL,
	    s->zone, (c->spf_timeout_ms + 999) / 1000, err);
	return s->verifier ? MP_OK : MP_ECONFIG;
}

/* Intake needs the templates, the state DB and the routing DB. */
static int
load_intake(struct mp_snapshot *s, const struct mp_snapshot *prev,
    struct mp_error *err)
{
	const struct mp_conf *c = s->conf;
	struct mp_error rerr;

	if (c->intake == NULL)
		return MP_OK;
	if (mp_templates_load(c->template_dir, &s->templates, err) != MP_OK) {
		/* A missing directory is the configuration's fault: say which
		 * key on which line, not only the directory. */
		if (strstr(err->msg, ": cannot open: ") != NULL) {
			char where[1024], what[sizeof(err->msg)];

			snprintf(what, sizeof(what), "%s", err->msg);
			mp_error_set(err, MP_ECONFIG, "%s %s: %s",
			    mp_conf_where(c, "TemplateDirectory", where,
			    sizeof(where)), c->template_dir, what);
		}
		return MP_ECONFIG;
	}
	if (prev != NULL && prev->statedb != NULL &&
	    strcmp(mp_statedb_path(prev->statedb), c->state_db) == 0)
		s->statedb = mp_statedb_ref(prev->statedb);
	else if ((s->statedb = mp_statedb_new(c->state_db, err)) == NULL)
		return MP_ENOMEM;
	if (c->routing_db == NULL)
		snprintf(s->routedb_why, sizeof(s->routedb_why),
		    "%s: no RoutingDB is set", c->path);
	else if (mp_routedb_open(c->routing_db, &s->routedb, &rerr) != MP_OK)
		snprintf(s->routedb_why, sizeof(s->routedb_why), "%s", rerr.msg);
	return load_auth(s, err);
}

int
mp_snapshot_routedb_stale(const struct mp_snapshot *snap)
{
	struct stat st;

	if (snap->conf->routing_db == NULL || snap->conf->intake == NULL)
		return 0;
	if (snap->routedb == NULL)
		return stat(snap->conf->routing_db, &st) == 0;
	return mp_routedb_changed(snap->routedb);
}

/* Everything the configuration names, read now so no message waits on it. */
static int
load_parts(struct mp_snapshot *s, const struct mp_snapshot *prev,
    struct mp_error *err)
{
	const struct mp_conf *c = s->conf;

	if (c->signing_domain != NULL &&
	    (s->signer = mp_signer_load(c->signing_domain, c->rsa_selector,
	    c->rsa_keyfile, c->ed_selector, c->ed_keyfile, err)) == NULL)
		return MP_ECONFIG;
	if (c->identity_map != NULL &&
	    (s->idmap = mp_identity_map_load(c->identity_map, err)) == NULL)
		return MP_ECONFIG;
	s->trusted = c->trusted;	/* parsed once, with the configuration */
	return load_intake(s, prev, err);
}

struct mp_snapshot *
mp_snapshot_load(const char *conf_path, const struct mp_snapshot *prev,
    struct mp_error *err)
{
	struct mp_snapshot *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		mp_error_set(err, MP_ENOMEM, "out of memory");
		return NULL;
	}
	s->refs = 1;
	s->loaded = time(NULL);
	if ((s->conf = mp_conf_load(conf_path, err)) == NULL ||
	    load_parts(s, prev, err) != MP_OK) {
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
	cur->held = 0;
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
	if ((s = cur->snap) != NULL) {
		s->refs++;
		cur->held++;
	}
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
	cur->held--;
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

unsigned
mp_current_held(struct mp_current *cur)
{
	unsigned n;

	pthread_mutex_lock(&cur->lock);
	n = cur->held;
	pthread_mutex_unlock(&cur->lock);
	return n;
}
