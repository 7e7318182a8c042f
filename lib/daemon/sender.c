/*
 * sender - see sender.h
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "bounce.h"
#include "lang.h"
#include "notices.h"
#include "notify.h"
#include "notify_list.h"
#include "outbox.h"
#include "pending.h"
#include "seen.h"
#include "sender.h"
#include "statedb.h"
#include "submit.h"
#include "submit_pool.h"
#include "tickets.h"

#define MAX_CELLS	256	/* cells of a row handed to the renderer */
#define BATCH_MAX	16	/* notifications made per sync */
#define BATCH_BYTES	(8UL * 1024 * 1024)	/* ... or this many bytes */

/* An outbox notification on its way to the MTA. */
struct job {
	struct mp_outbox_item it;
	const char *rcpt[1];		/* it.contact */
};

struct pass {
	const struct mp_snapshot *snap;
	const struct mp_conf *conf;
	struct mp_seen *seen;
	time_t now;
	mp_sender_note_fn note;
	void *arg;
	struct mp_sender_tally *t;
	char helo[256];
	/* the tally and the notes: the pool's threads settle too */
	pthread_mutex_t mu;
	/* made, recorded, not yet synced: submitted after the next sync */
	struct job *batch[BATCH_MAX];
	size_t nbatch, batch_bytes;
	struct mp_submit_pool *pool;	/* started with the first batch */
	unsigned queued;		/* notifications handed to flush */
	int stop;			/* nothing more this pass */
};

static void
say(struct pass *p, int problem, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (p->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&p->mu);
	p->note(p->arg, problem, line);
	pthread_mutex_unlock(&p->mu);
}

/* Add to a tally field (the pool's threads count too). */
static void
count(struct pass *p, unsigned *field, unsigned n)
{
	pthread_mutex_lock(&p->mu);
	*field += n;
	pthread_mutex_unlock(&p->mu);
}

time_t
mp_sender_due(const struct mp_conf *conf, unsigned interval, size_t rows,
    time_t received, time_t last)
{
	time_t due = received + (time_t)conf->aggregate_delay;
	time_t every = interval ? interval : conf->notify_interval;

	if (rows >= conf->max_rows)
		return 0;
	if (last != 0 && last + every > due)
		due = last + every;
	return due;
}

enum mp_lookup
mp_sender_interval(struct mp_routedb *db, const char *contact,
    unsigned *interval, struct mp_error *err)
{
	struct mp_route_policy pol;
	enum mp_lookup lk;

	*interval = 0;
	if (db == NULL)
		return MP_NOTFOUND;
	lk = mp_route_contact_policy(db, contact, &pol, err);
	if (lk == MP_FOUND)
		*interval = pol.notify_interval;
	return lk;
}

static void
job_free(struct job **jp)
{
	if (*jp != NULL) {
		mp_outbox_item_free(&(*jp)->it);
		free(*jp);
		*jp = NULL;
	}
}

/*
 * The MTA answered for an outbox notification (a pool thread calls this,
 * one at a time): done when it took it -- synced with the next batch or
 * at the end of the pass: a stop before that leaves the record, whose
 * repeat the milter discards (outbox.h) --, counted as deferred (kept)
 * or refused (kept, marked) when not. Untried (the pool went down
 * first): left in the outbox as it is, for the next pass.
 */
static void
settled(void *arg, const struct mp_submit_msg *m, int tried, int rc,
    const struct mp_submit_result *res, const struct mp_error *serr)
{
	struct pass *p = arg;
	struct job *j = m->arg;
	struct mp_outbox_item *it = &j->it;
	struct mp_error err;

	mp_error_clear(&err);
	if (!tried) {
		count(p, &p->t->deferred, 1);
		job_free(&j);
		return;
	}
	it->attempts++;
	if (rc == MP_OK) {
		if (mp_outbox_done(p->seen, it, p->now, &err) != MP_OK) {
			/* the MTA has it; the repeat next pass is discarded */
			say(p, 1, "notice=%s ticket=%s to=<%s>: sent, but the "
			    "state DB could not record it (%s): the next pass "
			    "submits it again and the milter discards the repeat",
			    it->id, it->ticket, it->contact, err.msg);
			count(p, &p->t->deferred, 1);
		} else {
			count(p, &p->t->sent, 1);
			count(p, &p->t->rows, it->rows);
			say(p, 0, "notice=%s ticket=%s to=<%s> type=%s lang=%s "
			    "rows=%u: sent (%s)", it->id, it->ticket, it->contact,
			    it->type, it->lang, it->rows, res->reply);
		}
		job_free(&j);
		return;
	}
	snprintf(it->reply, sizeof(it->reply), "%s", serr->msg);
	if (rc == MP_EINPUT) {
		it->failed = 1;
		count(p, &p->t->refused, 1);
	} else
		count(p, &p->t->deferred, 1);
	if ((it->failed ? mp_outbox_refused(p->seen, it, &err) :
	    mp_outbox_put(p->seen, it, &err)) != MP_OK)
		say(p, 1, "notice=%s: cannot note the attempt: %s", it->id,
		    err.msg);
	say(p, 1, "notice=%s ticket=%s to=<%s> rows=%u: %s (attempt %u): %s",
	    it->id, it->ticket, it->contact, it->rows, it->failed ?
	    "refused, kept in the outbox (meldpunt-queue send retries it)" :
	    "not sent, tried again next pass", it->attempts, it->reply);
	job_free(&j);
}

/* 1 when nothing more is to be made or submitted in this pass. */
static int
stopped(struct pass *p)
{
	return p->stop || (p->pool != NULL && mp_submit_pool_down(p->pool));
}

/*
 * Sync what the batch's notifications were recorded with (and the done
 * marks settled since the last sync), then hand them to the pool: none
 * is submitted before its outbox record is on disk. MP_OK, or MP_ERETRY
 * when the state DB cannot sync (the batch waits for the next pass).
 */
static int
flush(struct pass *p, struct mp_error *err)
{
	struct mp_submit_msg m;
	struct job *j;
	size_t i, n = p->nbatch;
	int rc = MP_OK;

	if (n == 0)
		return MP_OK;
	p->nbatch = 0;
	p->batch_bytes = 0;
	if (!stopped(p) && (rc = mp_seen_sync(p->seen, err)) != MP_OK)
		p->stop = 1;
	if (!stopped(p) && p->pool == NULL &&
	    (p->pool = mp_submit_pool_new(p->conf->submit_addr, p->helo,
	    p->conf->submit_timeout, p->conf->submit_conns,
	    p->conf->submit_conns, settled, p, err)) == NULL) {
		say(p, 1, "cannot submit: %s", err->msg);
		p->stop = 1;
	}
	for (i = 0; i < n; i++) {
		j = p->batch[i];
		p->batch[i] = NULL;
		memset(&m, 0, sizeof(m));
		m.sender = j->it.sender;
		j->rcpt[0] = j->it.contact;
		m.rcpts = j->rcpt;
		m.nrcpts = 1;
		m.data = j->it.message;
		m.len = j->it.message_len;
		m.arg = j;
		if (stopped(p) || mp_submit_pool_put(p->pool, &m) != MP_OK) {
			count(p, &p->t->deferred, 1);	/* in the outbox */
			job_free(&j);
		}
	}
	return rc;
}

/*
 * Queue an outbox notification for the next flush; it is moved out of
 * *it (left empty). MP_ENOMEM, or what flush() says.
 */
static int
queue(struct pass *p, struct mp_outbox_item *it, struct mp_error *err)
{
	struct job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		mp_outbox_item_free(it);
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	}
	j->it = *it;
	memset(it, 0, sizeof(*it));
	p->batch[p->nbatch++] = j;
	p->batch_bytes += j->it.message_len;
	p->queued++;
	if (p->nbatch == BATCH_MAX || p->batch_bytes >= BATCH_BYTES)
		return flush(p, err);
	return MP_OK;
}

/* Wait for the pool's messages and end it; a pool that went down stops
 * the pass. */
static void
pool_end(struct pass *p)
{
	if (p->pool != NULL && mp_submit_pool_down(p->pool))
		p->stop = 1;
	mp_submit_pool_finish(&p->pool);
}

/* Everything queued through the MTA, settled and synced. */
static int
drain(struct pass *p, struct mp_error *err)
{
	int rc = flush(p, err);

	pool_end(p);
	if (p->queued == 0)
		return rc;	/* nothing made, nothing sent: nothing to sync */
	if (mp_seen_sync(p->seen, rc == MP_OK ? err : NULL) != MP_OK &&
	    rc == MP_OK) {
		/* the notifications are at the MTA, their done marks not on
		 * disk */
		say(p, 1, "the state DB could not record what was sent (%s): "
		    "the next pass submits it again and the milter discards "
		    "the repeats", err->msg);
		rc = MP_ERETRY;
	}
	return rc;
}

/* 1 when a request names the group (contact, type, lang). */
static int
requested(const char *contact, const char *type, const char *lang,
    const struct mp_sender_request *req, size_t nreq)
{
	size_t i;

	for (i = 0; i < nreq; i++)
		if ((req[i].contact == NULL || *req[i].contact == '\0' ||
		    strcasecmp(req[i].contact, contact) == 0) &&
		    (req[i].type == NULL || *req[i].type == '\0' ||
		    strcmp(req[i].type, type) == 0) &&
		    (req[i].lang == NULL || *req[i].lang == '\0' ||
		    strcmp(req[i].lang, lang) == 0))
			return 1;
	return 0;
}

/* The rows of the chunks taken, read back for the renderer. */
struct rows {
	void **vals;			/* the chunks' values, kept */
	size_t nvals;
	struct mp_pending_feed_rec *feeds;
	struct mp_notify_list_feed *lfeeds;
	size_t nfeeds;
	struct mp_notify_list_row *rows;
	size_t nrows;
	const char **cells;		/* MAX_CELLS per row */
};

static void
rows_free(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->nvals; i++)
		free(r->vals[i]);
	for (i = 0; i < r->nfeeds; i++)
		mp_pending_feed_rec_free(&r->feeds[i]);
	free(r->vals);
	free(r->feeds);
	free(r->lfeeds);
	free(r->rows);
	free(r->cells);
	memset(r, 0, sizeof(*r));
}

/* The index of the feed (msg, item) in r, read when new; -1 on error. */
static long
feed_of(struct pass *p, struct rows *r, uint64_t msg, unsigned item,
    struct mp_error *err)
{
	struct mp_pending_feed_rec *nf;
	struct mp_notify_list_feed *nl;
	enum mp_lookup lk;
	size_t i;

	for (i = 0; i < r->nfeeds; i++)
		if (r->feeds[i].feed.msg == msg && r->feeds[i].feed.item == item)
			return (long)i;
	if ((nf = realloc(r->feeds, (r->nfeeds + 1) * sizeof(*nf))) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory"), -1;
	r->feeds = nf;
	if ((nl = realloc(r->lfeeds, (r->nfeeds + 1) * sizeof(*nl))) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory"), -1;
	r->lfeeds = nl;
	lk = mp_pending_feed_get(p->seen, msg, item, &nf[r->nfeeds], err);
	if (lk == MP_RETRY)
		return -1;
	if (lk == MP_NOTFOUND)		/* rows without their columns: say so */
		memset(&nf[r->nfeeds], 0, sizeof(nf[0]));
	memset(&nl[r->nfeeds], 0, sizeof(nl[0]));
	nl[r->nfeeds].name = nf[r->nfeeds].feed.name ?
	    nf[r->nfeeds].feed.name : "list";
	nl[r->nfeeds].filename = nf[r->nfeeds].feed.filename;
	nl[r->nfeeds].report_id = nf[r->nfeeds].feed.report_id;
	nl[r->nfeeds].case_ref = nf[r->nfeeds].feed.case_ref;
	nl[r->nfeeds].reporter = nf[r->nfeeds].feed.reporter;
	nl[r->nfeeds].columns = nf[r->nfeeds].feed.columns;
	nl[r->nfeeds].ncolumns = nf[r->nfeeds].feed.ncolumns;
	return (long)r->nfeeds++;
}

/* Read the rows of chunks[0..n) into r. */
static int
read_rows(struct pass *p, const struct mp_pending_chunk *chunks, size_t n,
    size_t nrows, struct rows *r, struct mp_error *err)
{
	struct mp_pending_row pr;
	struct mp_notify_list_row *lr;
	size_t i, off, vlen;
	enum mp_lookup lk;
	long f;
	int got;

	memset(r, 0, sizeof(*r));
	if ((r->vals = calloc(n, sizeof(*r->vals))) == NULL ||
	    (r->rows = calloc(nrows ? nrows : 1, sizeof(*r->rows))) == NULL ||
	    (r->cells = calloc((nrows ? nrows : 1) * MAX_CELLS,
	    sizeof(*r->cells))) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		lk = mp_pending_get(p->seen, chunks[i].key, chunks[i].klen,
		    &r->vals[i], &vlen, err);
		if (lk == MP_RETRY)
			return MP_ERETRY;
		r->nvals = i + 1;
		if (lk == MP_NOTFOUND)
			continue;	/* gone since the scan: nothing to send */
		if ((f = feed_of(p, r, chunks[i].msg, chunks[i].item, err)) < 0)
			return err->code ? err->code : MP_ERETRY;
		for (off = 0; r->nrows < nrows; r->nrows++) {
			got = mp_pending_chunk_next(chunks[i].key, chunks[i].klen,
			    r->vals[i], vlen, &off, &pr,
			    r->cells + r->nrows * MAX_CELLS, MAX_CELLS, err);
			if (got < 0)
				return MP_EINPUT;
			if (got == 0)
				break;
			lr = &r->rows[r->nrows];
			lr->feed = (size_t)f;
			lr->seen = pr.seen ? pr.seen : pr.received;
			lr->ip = pr.ip;
			lr->port = pr.port;
			lr->protocol = pr.protocol;
			lr->hostname = pr.hostname;
			lr->tags = pr.tags;
			lr->cves = pr.cves;
			lr->severity = pr.severity;
			lr->asn = pr.asn;
			lr->cells = pr.cells;
			lr->ncells = pr.ncells;
		}
	}
	return MP_OK;
}

/* "vulnerable-service" of "vulnerable-service:scan_rdp". */
static void
type_word(const char *type, char *out, size_t size)
{
	size_t n = strcspn(type, ":");

	snprintf(out, size, "%.*s", (int)n, type);
}

/*
 * What a row's incident was routed by, in intake's order (intake.c,
 * pick_query): its IP address, domain, URL (a cell of the feed's "url"
 * column: a single report queued for a digest contact or re-notified,
 * pendrow.h) or AS number. Empty when it has none.
 */
static void
row_source(const struct rows *r, const struct mp_notify_list_row *lr,
    char *out, size_t size)
{
	const struct mp_notify_list_feed *f = &r->lfeeds[lr->feed];
	size_t i;

	out[0] = '\0';
	if (lr->ip != NULL && *lr->ip != '\0') {
		snprintf(out, size, "%s", lr->ip);
		return;
	}
	if (lr->hostname != NULL && *lr->hostname != '\0') {
		snprintf(out, size, "%s", lr->hostname);
		return;
	}
	for (i = 0; i < f->ncolumns && i < lr->ncells; i++)
		if (strcasecmp(f->columns[i], "url") == 0 &&
		    lr->cells[i] != NULL && *lr->cells[i] != '\0') {
			snprintf(out, size, "%s", lr->cells[i]);
			return;
		}
	if (lr->asn != 0)
		snprintf(out, size, "AS%u", (unsigned)lr->asn);
}

/* What the notification was, for bounces and replies (notices.h). */
static int
record(struct pass *p, const struct mp_outbox_item *it, const struct rows *r,
    struct mp_error *err)
{
	struct mp_notice_rec *rec;
	int rc;

	if ((rec = calloc(1, sizeof(*rec))) == NULL)
		return mp_error_set(err, MP_ENOMEM, "out of memory");
	snprintf(rec->id, sizeof(rec->id), "%s", it->id);
	type_word(it->type, rec->type, sizeof(rec->type));
	/* One row names its incident (a bounce re-routes it, bounceflow.c);
	 * many have no one source. */
	if (r->nrows == 1)
		row_source(r, &r->rows[0], rec->source, sizeof(rec->source));
	rec->at = (int64_t)p->now;
	rec->ncontacts = 1;
	snprintf(rec->contact[0].addr, sizeof(rec->contact[0].addr), "%.*s",
	    (int)sizeof(rec->contact[0].addr) - 1, it->contact);
	snprintf(rec->contact[0].rule, sizeof(rec->contact[0].rule), "list");
	snprintf(rec->contact[0].matched, sizeof(rec->contact[0].matched),
	    "%.*s", (int)sizeof(rec->contact[0].matched) - 1, it->type);
	rc = mp_notice_record(p->seen, rec, err);
	if (rc == MP_OK)
		rc = mp_ticket_bind(p->seen, it->ticket, it->id, p->now, err);
	free(rec);
	return rc;
}

/*
 * Render the first `take` chunks of the group: MP_OK with *np and *r
 * (rows_free), MP_ELIMIT when the message would be larger than
 * MaximumMessageSize (the milter would refuse to sign it), or another
 * error (err).
 */
static int
render(struct pass *p, const struct mp_pending_group *g, size_t take,
    const struct mp_outbox_item *it, struct rows *r, struct mp_notice **np,
    struct mp_error *err)
{
	const char *to[1] = { g->contact };
	struct mp_notify_conf nc;
	struct mp_notify_list list;
	char word[MP_NOTICE_WORD_MAX];
	size_t rows = 0, i;
	enum mp_lang lang;
	int rc;

	for (i = 0; i < take; i++)
		rows += g->chunks[i].rows;
	if ((rc = read_rows(p, g->chunks, take, rows, r, err)) != MP_OK ||
	    r->nrows == 0)
		return rc;
	type_word(g->type, word, sizeof(word));
	lang = mp_lang_parse(g->lang, strlen(g->lang));
	memset(&list, 0, sizeof(list));
	list.type = word;
	list.feeds = r->lfeeds;
	list.nfeeds = r->nfeeds;
	list.rows = r->rows;
	list.nrows = r->nrows;
	list.max_bytes = p->conf->max_message_size;
	memset(&nc, 0, sizeof(nc));
	nc.from_addr = p->conf->identity_addr;
	nc.from_name = p->conf->identity_name;
	nc.website = p->conf->identity_website;
	nc.phone = p->conf->identity_phone;
	nc.to = to;
	nc.nto = 1;
	nc.now = p->now;
	nc.notice_id = it->id;
	nc.ticket = it->ticket;
	nc.reply_to = p->conf->reply_addr;
	return mp_notify_render_list(p->snap->templates, &list,
	    lang == MP_LANG_NL || lang == MP_LANG_EN ? lang : MP_LANG_UNKNOWN,
	    &nc, np, err);
}

/*
 * Make the group's notification: into the outbox and recorded (synced by
 * flush() before it is submitted).
 * MP_OK with *it filled (it->id empty: nothing was left to send), or an
 * error (err): MP_ERETRY for the DB.
 */
static int
make(struct pass *p, const struct mp_pending_group *g,
    struct mp_outbox_item *it, size_t *taken, struct mp_error *err)
{
	struct mp_notice *n = NULL;
	struct rows r;
	size_t take, rows = 0, i;
	int rc;

	memset(it, 0, sizeof(*it));
	memset(&r, 0, sizeof(r));
	for (take = 0; take < g->nchunks; take++) {
		if (take > 0 && rows + g->chunks[take].rows > p->conf->max_rows)
			break;
		rows += g->chunks[take].rows;
	}
	*taken = take;
	if ((rc = mp_notify_new_id(it->id, sizeof(it->id), err)) != MP_OK ||
	    (rc = mp_ticket_next(p->seen, p->now, it->ticket, err)) != MP_OK)
		goto out;
	/* too large for MaximumMessageSize: fewer chunks, down to one (a
	 * ticket number of a render that fails stays unused: a gap) */
	while ((rc = render(p, g, take, it, &r, &n, err)) == MP_ELIMIT &&
	    take > 1) {
		rows_free(&r);
		*taken = take /= 2;
	}
	if (rc != MP_OK || r.nrows == 0)
		goto out;	/* an error, or nothing left (taken before) */
	snprintf(it->contact, sizeof(it->contact), "%s", g->contact);
	snprintf(it->type, sizeof(it->type), "%s", g->type);
	snprintf(it->lang, sizeof(it->lang), "%s", g->lang);
	if (p->conf->bounce_addr == NULL ||
	    mp_bounce_return_path(p->conf->bounce_addr, p->conf->bounce_delim,
	    it->id, it->sender, sizeof(it->sender)) != MP_OK)
		snprintf(it->sender, sizeof(it->sender), "%s",
		    p->conf->identity_addr);
	it->made = p->now;
	it->rows = (unsigned)r.nrows;
	for (i = 0; i < take; i++)
		if ((rc = mp_outbox_add_key(it, g->chunks[i].key,
		    g->chunks[i].klen)) != MP_OK) {
			mp_error_set(err, rc, "out of memory");
			goto out;
		}
	it->message = n->message;
	it->message_len = n->message_len;
	rc = mp_outbox_put(p->seen, it, err);
	it->message = NULL;
	it->message_len = 0;
	if (rc == MP_OK)
		rc = record(p, it, &r, err);
	/* synced with its batch, before it is submitted (flush) */
	if (rc == MP_OK) {
		/* the outbox holds the bytes; read them back as submitted */
		mp_outbox_item_free(it);
		if (mp_outbox_get(p->seen, n->notice_id, it, err) != MP_FOUND)
			rc = err->code ? err->code : MP_ERETRY;
	}
out:
	if (rc != MP_OK || r.nrows == 0) {
		mp_outbox_item_free(it);
		it->id[0] = '\0';
	}
	mp_notice_free(&n);
	rows_free(&r);
	return rc;
}

/*
 * One group: when due, one notification per MaxRowsPerNotice rows while
 * it holds that many (all of it when asked for), so that a backlog does
 * not wait a SenderInterval per notification. Each is queued for the
 * MTA (queue); making stops when the MTA cannot take more (stopped).
 * MP_OK, or MP_ERETRY (the DB: the next pass).
 */
static int
send_group(struct pass *p, struct mp_pending_group *g, int asked,
    struct mp_error *err)
{
	struct mp_pending_group rest = *g;
	struct mp_outbox_item it;
	enum mp_lookup lk;
	unsigned every;
	size_t taken, k;
	time_t last;
	int rc;

	lk = mp_outbox_last(p->seen, g->contact, g->type, g->lang, &last, err);
	if (lk != MP_RETRY)
		lk = mp_sender_interval(p->snap->routedb, g->contact, &every, err);
	if (lk == MP_RETRY)
		return MP_ERETRY;
	if (!asked && mp_sender_due(p->conf, every, g->rows, g->received,
	    last) > p->now)
		return MP_OK;
	count(p, &p->t->due, 1);
	while (rest.nchunks > 0 && !stopped(p)) {
		taken = 0;
		if ((rc = make(p, &rest, &it, &taken, err)) != MP_OK) {
			say(p, 1, "group %s %s %s (%zu rows): cannot make its "
			    "notification: %s", g->contact, g->type, g->lang,
			    rest.rows, err->msg);
			count(p, &p->t->deferred, 1);
			return rc == MP_ERETRY ? MP_ERETRY : MP_OK;
		}
		if (it.id[0] != '\0' && (rc = queue(p, &it, err)) != MP_OK)
			return rc == MP_ERETRY ? MP_ERETRY : MP_OK;
		if (taken == 0)
			break;
		for (k = 0; k < taken; k++)
			rest.rows -= rest.chunks[k].rows;
		rest.chunks += taken;
		rest.nchunks -= taken;
		if (!asked && rest.rows < p->conf->max_rows)
			break;		/* the rest waits for its time */
	}
	return MP_OK;
}

/*
 * The chunks of the notifications that stay in the outbox after its
 * turn (not asked for again; sent but not recorded as sent): their rows
 * are that notification's, and making them into another one would tell
 * the contact twice once the first goes after all. klen(2) key,
 * repeated, as in an outbox record.
 */
struct held {
	unsigned char *keys;
	size_t len;
};

static int
hold(struct held *h, const struct mp_outbox_item *it)
{
	unsigned char *n;

	if (it->keys_len == 0)
		return MP_OK;
	if ((n = realloc(h->keys, h->len + it->keys_len)) == NULL)
		return MP_ENOMEM;
	memcpy(n + h->len, it->keys, it->keys_len);
	h->keys = n;
	h->len += it->keys_len;
	return MP_OK;
}

static int
held_key(const struct held *h, const unsigned char *key, size_t klen)
{
	size_t pos, n;

	for (pos = 0; pos + 2 <= h->len; pos += 2 + n) {
		n = (size_t)h->keys[pos] << 8 | h->keys[pos + 1];
		if (n == klen && pos + 2 + n <= h->len &&
		    memcmp(h->keys + pos + 2, key, klen) == 0)
			return 1;
	}
	return 0;
}

/* The group without its held chunks: its rows and newest arrival anew. */
static void
leave_held(struct mp_pending_group *g, const struct held *h)
{
	size_t i, k = 0;

	if (h->len == 0)
		return;
	g->rows = 0;
	g->received = 0;
	for (i = 0; i < g->nchunks; i++) {
		if (held_key(h, g->chunks[i].key, g->chunks[i].klen)) {
			free(g->chunks[i].key);
			continue;
		}
		g->chunks[k] = g->chunks[i];
		g->rows += g->chunks[k].rows;
		if (g->chunks[k].received > g->received)
			g->received = g->chunks[k].received;
		k++;
	}
	g->nchunks = k;
}

/* Hold what the outbox still has after phase 1. */
static int
hold_outbox(struct pass *p, struct held *h, struct mp_error *err)
{
	struct mp_outbox_item it;
	char (*ids)[MP_NOTICE_ID_MAX] = NULL;
	enum mp_lookup lk;
	size_t n = 0, i;
	int rc;

	if ((rc = mp_outbox_ids(p->seen, &ids, &n, err)) != MP_OK)
		return rc;
	for (i = 0; i < n && rc == MP_OK; i++) {
		if ((lk = mp_outbox_get(p->seen, ids[i], &it, err)) == MP_RETRY)
			rc = MP_ERETRY;
		else if (lk == MP_FOUND && hold(h, &it) != MP_OK)
			rc = mp_error_set(err, MP_ENOMEM, "out of memory");
		mp_outbox_item_free(&it);
	}
	free(ids);
	return rc;
}

/* Phases 1 and 2 of a pass (sender.h); the caller drains. */
static int
pass_run(struct pass *p, const struct mp_sender_request *req, size_t nreq,
    struct mp_error *err)
{
	struct mp_outbox_item it;
	struct mp_pending_group *g = NULL;
	struct held h = { NULL, 0 };
	char (*ids)[MP_NOTICE_ID_MAX] = NULL;
	size_t n = 0, i;
	enum mp_lookup lk;
	int rc = MP_OK, again = 0;

	/* 1. what was made before and not yet taken */
	if ((rc = mp_outbox_ids(p->seen, &ids, &n, err)) != MP_OK)
		return rc;
	for (i = 0; i < n && !stopped(p) && rc == MP_OK; i++) {
		if ((lk = mp_outbox_get(p->seen, ids[i], &it, err)) == MP_RETRY) {
			rc = MP_ERETRY;
			break;
		}
		if (lk != MP_FOUND)
			continue;
		/* refused for good: again only when asked to */
		if (!it.failed || requested(it.contact, it.type, it.lang, req,
		    nreq)) {
			again = 1;
			rc = queue(p, &it, err);
		}
		mp_outbox_item_free(&it);
	}
	free(ids);
	/* While the MTA cannot be reached nothing new is made: know that
	 * before making any. */
	if (again && rc == MP_OK) {
		rc = flush(p, err);
		pool_end(p);
	}
	if (rc != MP_OK || stopped(p))
		return rc;

	/* 2. the groups that are due, without the rows the outbox holds */
	if ((rc = hold_outbox(p, &h, err)) != MP_OK) {
		free(h.keys);
		return rc;
	}
	if ((rc = mp_pending_groups(p->seen, &g, &n, err)) != MP_OK) {
		free(h.keys);
		return rc;
	}
	for (i = 0; i < n && !stopped(p) && rc == MP_OK; i++) {
		leave_held(&g[i], &h);
		if (g[i].nchunks > 0)
			rc = send_group(p, &g[i], requested(g[i].contact,
			    g[i].type, g[i].lang, req, nreq), err);
	}
	mp_pending_groups_free(&g, n);
	free(h.keys);
	return rc;
}

int
mp_sender_pass(const struct mp_snapshot *snap, time_t now,
    const struct mp_sender_request *req, size_t nreq, mp_sender_note_fn note,
    void *arg, struct mp_sender_tally *tally, struct mp_error *err)
{
	struct pass p;
	struct mp_error derr;
	int rc, drc;

	memset(tally, 0, sizeof(*tally));
	memset(&p, 0, sizeof(p));
	p.snap = snap;
	p.conf = snap->conf;
	p.now = now;
	p.note = note;
	p.arg = arg;
	p.t = tally;
	if (p.conf->submit_addr == NULL || snap->templates == NULL)
		return MP_OK;
	if (gethostname(p.helo, sizeof(p.helo) - 1) != 0 || p.helo[0] == '\0')
		snprintf(p.helo, sizeof(p.helo), "localhost");
	if ((p.seen = mp_statedb_get(snap->statedb, err)) == NULL)
		return MP_ERETRY;
	pthread_mutex_init(&p.mu, NULL);
	rc = pass_run(&p, req, nreq, err);
	/* what is queued goes out (or back to the outbox) whatever happened */
	mp_error_clear(&derr);
	drc = drain(&p, &derr);
	if (rc == MP_OK && drc != MP_OK) {
		*err = derr;
		rc = drc;
	}
	pthread_mutex_destroy(&p.mu);
	return rc == MP_ERETRY ? MP_ERETRY : MP_OK;
}
