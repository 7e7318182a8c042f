/*
 * milter-load - drive a milter directly over its socket, as an MTA would,
 * and measure it
 *
 * K threads each open a connection (unix: or inet:), negotiate protocol
 * version 6 offering every action and step flag Postfix offers, and send
 * messages one after another: macros, MAIL, RCPT, DATA, the header fields,
 * EOH, the body in chunks of at most 64 KiB, end of body; then read every
 * modification up to the final reply. After P messages a connection says
 * QUIT and a new one is opened. The run stops after N messages or T
 * seconds, whichever comes first (in-flight messages complete).
 *
 * With several -f files, or a directory of them, message number i sends
 * the (i mod count)th in name order: a run of N distinct reports is not
 * turned into duplicates by a milter that remembers what it saw.
 *
 * It reports messages/s, p50/p99/max latency per message (MAIL to the
 * final reply), the count of each final reply and modification (RESULT:
 * addrcpt, delrcpt, replbody), and with -e checks that every message got
 * exactly that many added header fields named DKIM-Signature (or -E NAME),
 * so a benchmark proves signing took place. The last line is "RESULT key=value ..." for scripts.
 *
 * Packets are collected and written when a reply is due (as Postfix's
 * buffered stream does); its own TCP sockets have TCP_NODELAY, so any
 * Nagle stall measured is the milter's.
 *
 * Exit: 0 all messages answered, no error, every expectation met;
 * 1 otherwise; 2 usage.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "milterproto.h"

#define MAX_RCPTS	64
#define MAX_MACROS	32
#define MAX_CONNS	256
#define MAX_MSGS	100000	/* messages from -f files and directories */
#define SEND_HIGH	(256 * 1024)	/* flush queued packets beyond this */

struct macro {
	char stage;
	const char *name;
	const char *value;
};

static struct {
	const char *sock;
	const char *files[MAX_RCPTS];
	size_t nfiles;
	const char *from;
	const char *rcpts[MAX_RCPTS];
	size_t nrcpts;
	int conns;
	long count;
	double seconds;
	long per_conn;
	int expect;		/* -1: do not check */
	const char *expect_name;
	struct macro macros[MAX_MACROS];
	size_t nmacros;
	int timeout;
	int verbose;
	int quiet;
} opt = {
	.from = "bench@example.org", .conns = 2, .count = 1000,
	.seconds = 10, .per_conn = 10, .expect = -1,
	.expect_name = "DKIM-Signature", .timeout = 30,
};

static struct mp_mproto_msg *msgs;	/* message seq sends msgs[seq % nmsgs] */
static size_t nmsgs;
static struct timespec t_start;
static atomic_long issued;	/* message slots handed out */
static atomic_int printed;	/* the first message's replies were shown */

/* Per-thread results, merged at the end. */
struct stats {
	double *lat;		/* seconds per message */
	long nlat, sizelat;
	long final[256];	/* final replies by command byte */
	long mods[256];		/* modifications by command byte */
	long errors, connects, expect_bad, replycodes;
	char first_error[MP_ERROR_MAX];
	struct timespec last_done;
	int id;
};

struct conn {
	int fd;
	struct mp_buf out;
	char *in;
	size_t in_len, in_off;
	uint32_t proto;		/* negotiated step flags */
	struct stats *st;
	int verbose;		/* show this message's replies */
	int tid;
};

static double
since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static int
time_over(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return since(&t_start, &now) >= opt.seconds;
}

static void __attribute__((format(printf, 2, 3)))
fail(struct stats *st, const char *fmt, ...)
{
	va_list ap;

	st->errors++;
	if (st->first_error[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(st->first_error, sizeof(st->first_error), fmt, ap);
		va_end(ap);
	}
}

/* unix:/path, local:/path, /path, inet:port@host, inet6:port@host */
static int
sock_open(const char *spec, struct stats *st)
{
	struct sockaddr_un sun;
	struct addrinfo hints, *res = NULL;
	char host[256], port[16];
	const char *at, *rest;
	int fd, one = 1, rc;
	struct timeval tv = { .tv_sec = opt.timeout };

	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0 ||
	    spec[0] == '/') {
		rest = spec[0] == '/' ? spec : strchr(spec, ':') + 1;
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(rest) >= sizeof(sun.sun_path)) {
			fail(st, "%s: socket path too long", spec);
			return -1;
		}
		strcpy(sun.sun_path, rest);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
		    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
			fail(st, "%s: %s", spec, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
	} else if (strncmp(spec, "inet:", 5) == 0 || strncmp(spec, "inet6:", 6) == 0) {
		rest = strchr(spec, ':') + 1;
		at = strchr(rest, '@');
		if ((size_t)(at ? at - rest : (long)strlen(rest)) >= sizeof(port)) {
			fail(st, "%s: bad port", spec);
			return -1;
		}
		snprintf(port, sizeof(port), "%.*s", (int)(at ? at - rest : (long)strlen(rest)), rest);
		snprintf(host, sizeof(host), "%s", at ? at + 1 : "127.0.0.1");
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = spec[4] == '6' ? AF_INET6 : AF_INET;
		hints.ai_socktype = SOCK_STREAM;
		if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
			fail(st, "%s: %s", spec, gai_strerror(rc));
			return -1;
		}
		fd = socket(res->ai_family, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
			fail(st, "%s: %s", spec, strerror(errno));
			if (fd >= 0)
				close(fd);
			freeaddrinfo(res);
			return -1;
		}
		freeaddrinfo(res);
		/* Our own small writes must not wait for an ACK (Nagle). */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	} else {
		fail(st, "%s: not unix:PATH, local:PATH, inet:PORT@HOST or "
		    "inet6:PORT@HOST", spec);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static int
flush(struct conn *c)
{
	size_t off = 0;
	ssize_t n;

	while (off < c->out.len) {
		n = send(c->fd, c->out.data + off, c->out.len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail(c->st, "send: %s", n < 0 ? strerror(errno) : "closed");
			return -1;
		}
		off += (size_t)n;
	}
	mp_buf_reset(&c->out);
	return 0;
}

/* Queue a packet built by one of the put functions; check its result. */
static int
queued(struct conn *c, int rc)
{
	if (rc != MP_OK) {
		fail(c->st, "cannot build a packet: %s", mp_strerror(rc));
		return -1;
	}
	return c->out.len > SEND_HIGH ? flush(c) : 0;
}

/* Flush, then read one packet. */
static int
read_pkt(struct conn *c, struct mp_mproto_pkt *pkt)
{
	struct mp_error err;
	size_t used;
	ssize_t n;
	int rc;

	if (c->out.len > 0 && flush(c) != 0)
		return -1;
	for (;;) {
		rc = mp_mproto_take(c->in + c->in_off, c->in_len - c->in_off,
		    pkt, &used, &err);
		if (rc < 0) {
			fail(c->st, "%s", err.msg);
			return -1;
		}
		if (rc == 1) {
			c->in_off += used;
			return 0;
		}
		if (c->in_off > 0) {	/* keep the partial packet at the front */
			memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
			c->in_len -= c->in_off;
			c->in_off = 0;
		}
		n = recv(c->fd, c->in + c->in_len, MP_MPROTO_MAX_PACKET + 4 - c->in_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail(c->st, "recv: %s", n < 0 ? (errno == EAGAIN ?
			    "timed out" : strerror(errno)) : "milter closed the connection");
			return -1;
		}
		c->in_len += (size_t)n;
	}
}

static void
show_reply(const struct mp_mproto_reply *r)
{
	printf("reply %s", mp_mproto_reply_name(r->cmd));
	if (r->cmd == MP_MR_INSHEADER || r->cmd == MP_MR_CHGHEADER)
		printf(" [%lu]", (unsigned long)r->index);
	if (r->name != NULL)
		printf(" %s:", r->name);
	if (r->cmd == MP_MR_REPLBODY)
		printf(" (%zu bytes)", r->len);
	else if (r->value != NULL)
		printf(" %s", r->value);
	if (r->args != NULL)
		printf(" %s", r->args);
	printf("\n");
}

/*
 * Read replies up to a final one; count modifications and the added
 * headers named opt.expect_name. Returns the final command byte, or -1.
 */
static int
read_final(struct conn *c, int *added)
{
	struct mp_mproto_pkt pkt;
	struct mp_mproto_reply r;
	struct mp_error err;

	for (;;) {
		if (read_pkt(c, &pkt) != 0)
			return -1;
		if (mp_mproto_parse_reply(&pkt, &r, &err) != MP_OK) {
			fail(c->st, "%s", err.msg);
			return -1;
		}
		if (c->verbose)
			show_reply(&r);
		/* A reply code says reject or tempfail by its first digit. */
		if (r.cmd == MP_MR_REPLYCODE) {
			c->st->replycodes++;
			return r.value[0] == '5' ? MP_MR_REJECT : MP_MR_TEMPFAIL;
		}
		if (r.kind == MP_MPROTO_FINAL)
			return (unsigned char)r.cmd;
		if (r.kind == MP_MPROTO_MODIFY) {
			c->st->mods[(unsigned char)r.cmd]++;
			if (added != NULL && r.name != NULL &&
			    (r.cmd == MP_MR_ADDHEADER || r.cmd == MP_MR_INSHEADER) &&
			    strcasecmp(r.name, opt.expect_name) == 0)
				(*added)++;
		}
	}
}

/* Send the queued packets of a step; read its reply unless `noreply`. */
static int
step(struct conn *c, int noreply)
{
	if (noreply)
		return MP_MR_CONTINUE;
	return read_final(c, NULL);
}

static int
put_stage_macros(struct conn *c, char stage, const char *qid)
{
	const char *names[MAX_MACROS + 2], *values[MAX_MACROS + 2];
	size_t i, n = 0;

	if (qid != NULL && stage != MP_MC_CONNECT && stage != MP_MC_HELO) {
		names[n] = "i";
		values[n++] = qid;
	}
	for (i = 0; i < opt.nmacros; i++)
		if (opt.macros[i].stage == stage) {
			names[n] = opt.macros[i].name;
			values[n++] = opt.macros[i].value;
		}
	if (n == 0)
		return 0;
	return queued(c, mp_mproto_put_macros(&c->out, stage, names, values, n));
}

static int
conn_open(struct conn *c)
{
	struct mp_mproto_pkt pkt;
	struct mp_mproto_neg neg;
	struct mp_error err;
	int r;

	c->in_len = c->in_off = 0;
	mp_buf_reset(&c->out);
	if ((c->fd = sock_open(opt.sock, c->st)) < 0)
		return -1;
	c->st->connects++;
	/* Offer what Postfix offers: every action and every step flag. */
	if (queued(c, mp_mproto_put_optneg(&c->out, MP_MPROTO_VERSION, MP_MA_ALL,
	    MP_MP_ALL)) != 0 || read_pkt(c, &pkt) != 0)
		return -1;
	if (mp_mproto_parse_optneg(&pkt, &neg, &err) != MP_OK) {
		fail(c->st, "%s", err.msg);
		return -1;
	}
	c->proto = neg.protocol;
	if (put_stage_macros(c, MP_MC_CONNECT, NULL) != 0)
		return -1;
	if (!(c->proto & MP_MP_NOCONNECT)) {
		if (queued(c, mp_mproto_put_connect(&c->out, "localhost", '4', 10025,
		    "127.0.0.1")) != 0)
			return -1;
		if ((r = step(c, c->proto & MP_MP_NR_CONN)) != MP_MR_CONTINUE) {
			if (r >= 0)
				fail(c->st, "milter answered CONNECT with %s",
				    mp_mproto_reply_name((char)r));
			return -1;
		}
	}
	if (!(c->proto & MP_MP_NOHELO)) {
		if (put_stage_macros(c, MP_MC_HELO, NULL) != 0 ||
		    queued(c, mp_mproto_put_strs(&c->out, MP_MC_HELO,
		    (const char *const[]){ "client.bench.test" }, 1)) != 0)
			return -1;
		if ((r = step(c, c->proto & MP_MP_NR_HELO)) != MP_MR_CONTINUE) {
			if (r >= 0)
				fail(c->st, "milter answered HELO with %s",
				    mp_mproto_reply_name((char)r));
			return -1;
		}
	}
	return 0;
}

static void
conn_close(struct conn *c, int polite)
{
	if (c->fd < 0)
		return;
	if (polite && queued(c, mp_mproto_put(&c->out, MP_MC_QUIT, NULL, 0)) == 0)
		flush(c);
	close(c->fd);
	c->fd = -1;
}

/* The envelope and header steps; the final reply if one ended the message early. */
static int
send_envelope(struct conn *c, const char *qid)
{
	char from[512], rcpt[512];
	size_t i;
	int r;

	if (put_stage_macros(c, MP_MC_MAIL, qid) != 0)
		return -1;
	if (!(c->proto & MP_MP_NOMAIL)) {
		snprintf(from, sizeof(from), "<%s>", opt.from);
		if (queued(c, mp_mproto_put_strs(&c->out, MP_MC_MAIL,
		    (const char *const[]){ from }, 1)) != 0)
			return -1;
		if ((r = step(c, c->proto & MP_MP_NR_MAIL)) != MP_MR_CONTINUE)
			return r;
	}
	for (i = 0; i < opt.nrcpts; i++) {
		if (put_stage_macros(c, MP_MC_RCPT, qid) != 0)
			return -1;
		if (c->proto & MP_MP_NORCPT)
			continue;
		snprintf(rcpt, sizeof(rcpt), "<%s>", opt.rcpts[i]);
		if (queued(c, mp_mproto_put_strs(&c->out, MP_MC_RCPT,
		    (const char *const[]){ rcpt }, 1)) != 0)
			return -1;
		if ((r = step(c, c->proto & MP_MP_NR_RCPT)) != MP_MR_CONTINUE)
			return r;
	}
	if (put_stage_macros(c, MP_MC_DATA, qid) != 0)
		return -1;
	if (!(c->proto & MP_MP_NODATA)) {
		if (queued(c, mp_mproto_put(&c->out, MP_MC_DATA, NULL, 0)) != 0)
			return -1;
		if ((r = step(c, c->proto & MP_MP_NR_DATA)) != MP_MR_CONTINUE)
			return r;
	}
	return MP_MR_CONTINUE;
}

static int
send_content(struct conn *c, const char *qid, const struct mp_mproto_msg *m)
{
	size_t i, off, n;
	int r;

	for (i = 0; i < m->nhdrs && !(c->proto & MP_MP_NOHDRS); i++) {
		if (queued(c, mp_mproto_put_header(&c->out, m->hdrs[i].name,
		    m->hdrs[i].value, c->proto & MP_MP_HDR_LEADSPC)) != 0)
			return -1;
		if ((r = step(c, c->proto & MP_MP_NR_HDR)) != MP_MR_CONTINUE)
			return r;
	}
	if (put_stage_macros(c, MP_MC_EOH, qid) != 0)
		return -1;
	if (!(c->proto & MP_MP_NOEOH)) {
		if (queued(c, mp_mproto_put(&c->out, MP_MC_EOH, NULL, 0)) != 0)
			return -1;
		if ((r = step(c, c->proto & MP_MP_NR_EOH)) != MP_MR_CONTINUE)
			return r;
	}
	for (off = 0; off < m->body_len && !(c->proto & MP_MP_NOBODY); off += n) {
		n = m->body_len - off > MP_MPROTO_CHUNK ? MP_MPROTO_CHUNK : m->body_len - off;
		if (queued(c, mp_mproto_put(&c->out, MP_MC_BODY, m->body + off, n)) != 0)
			return -1;
		r = step(c, c->proto & MP_MP_NR_BODY);
		if (r == MP_MR_SKIP)
			break;
		if (r != MP_MR_CONTINUE)
			return r;
	}
	return MP_MR_CONTINUE;
}

static int
lat_add(struct stats *st, double s)
{
	double *l;

	if (st->nlat == st->sizelat) {
		st->sizelat = st->sizelat ? st->sizelat * 2 : 4096;
		if ((l = realloc(st->lat, (size_t)st->sizelat * sizeof(*l))) == NULL)
			return -1;
		st->lat = l;
	}
	st->lat[st->nlat++] = s;
	return 0;
}

/* One message; -1 if the connection is unusable afterwards. */
static int
run_message(struct conn *c, long seq)
{
	struct timespec t0;
	char qid[32];
	int r, added = 0;

	snprintf(qid, sizeof(qid), "B%02X%08lX", c->tid & 0xff, (unsigned long)seq);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = send_envelope(c, qid);
	if (r == MP_MR_CONTINUE)
		r = send_content(c, qid, &msgs[(size_t)seq % nmsgs]);
	if (r == MP_MR_CONTINUE) {
		if (put_stage_macros(c, MP_MC_BODYEOB, qid) != 0 ||
		    queued(c, mp_mproto_put(&c->out, MP_MC_BODYEOB, NULL, 0)) != 0)
			return -1;
		r = read_final(c, &added);
	} else if (r >= 0) {
		/* Ended early (accept, reject, ...): the MTA aborts the rest. */
		if (queued(c, mp_mproto_put(&c->out, MP_MC_ABORT, NULL, 0)) != 0)
			return -1;
	}
	if (r < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &c->st->last_done);
	c->st->final[r]++;
	if (opt.expect >= 0 && added != opt.expect) {
		c->st->expect_bad++;
		if (c->st->expect_bad == 1 && opt.verbose)
			fprintf(stderr, "milter-load: message %s got %d %s "
			    "header(s), expected %d\n", qid, added,
			    opt.expect_name, opt.expect);
	}
	if (lat_add(c->st, since(&t0, &c->st->last_done)) != 0) {
		fail(c->st, "out of memory");
		return -1;
	}
	return (r == MP_MR_CONN_FAIL || r == MP_MR_SHUTDOWN) ? -1 : 0;
}

/* The next message number, or -1 when the run is over. */
static long
claim(void)
{
	long n;

	if (time_over())
		return -1;
	n = atomic_fetch_add(&issued, 1);
	return n < opt.count ? n : -1;
}

static void *
worker(void *arg)
{
	struct conn c = { .fd = -1, .st = arg };
	long seq, done;
	int dead = 0;

	c.tid = c.st->id;
	mp_buf_init(&c.out, 0);
	if ((c.in = malloc(MP_MPROTO_MAX_PACKET + 4)) == NULL) {
		fail(c.st, "out of memory");
		return NULL;
	}
	while (!dead && (seq = claim()) >= 0) {
		if (conn_open(&c) != 0) {
			conn_close(&c, 0);
			break;	/* a milter that refuses connections ends the thread */
		}
		for (done = 0; seq >= 0; ) {
			if (opt.verbose && atomic_exchange(&printed, 1) == 0)
				c.verbose = 1;
			if (run_message(&c, seq) != 0)
				dead = 1;
			c.verbose = 0;
			if (dead || ++done >= opt.per_conn)
				break;
			seq = claim();
		}
		conn_close(&c, !dead);
	}
	conn_close(&c, 0);
	free(c.in);
	mp_buf_free(&c.out);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
pct(const double *v, long n, double p)
{
	long i;

	if (n == 0)
		return 0;
	i = (long)(p * (double)(n - 1) + 0.5);
	return v[i];
}

static int
load_message(const char *path, struct mp_mproto_msg *m)
{
	struct mp_error err;
	struct stat sb;
	char *data;
	FILE *fp;
	int rc;

	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &sb) != 0) {
		fprintf(stderr, "milter-load: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (sb.st_size > 64 * 1024 * 1024 ||
	    (data = malloc((size_t)sb.st_size + 1)) == NULL) {
		fprintf(stderr, "milter-load: %s: too large or out of memory\n", path);
		fclose(fp);
		return -1;
	}
	if (fread(data, 1, (size_t)sb.st_size, fp) != (size_t)sb.st_size) {
		fprintf(stderr, "milter-load: %s: short read\n", path);
		fclose(fp);
		free(data);
		return -1;
	}
	fclose(fp);
	rc = mp_mproto_msg_load(data, (size_t)sb.st_size, m, &err);
	free(data);
	if (rc != MP_OK) {
		fprintf(stderr, "milter-load: %s: %s\n", path, err.msg);
		return -1;
	}
	return 0;
}

static int
add_message(const char *path)
{
	struct mp_mproto_msg *m;

	if (nmsgs == MAX_MSGS) {
		fprintf(stderr, "milter-load: more than %d messages (limit)\n", MAX_MSGS);
		return -1;
	}
	if ((m = realloc(msgs, (nmsgs + 1) * sizeof(*m))) == NULL) {
		fprintf(stderr, "milter-load: out of memory\n");
		return -1;
	}
	msgs = m;
	memset(&msgs[nmsgs], 0, sizeof(msgs[nmsgs]));
	if (load_message(path, &msgs[nmsgs]) != 0)
		return -1;
	nmsgs++;
	return 0;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or every regular file of a directory in name order. */
static int
load_path(const char *path)
{
	struct stat sb;
	struct dirent *de;
	char **names = NULL, **nn, full[4096];
	size_t n = 0, i;
	DIR *d;
	int rc = 0;

	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return add_message(path);
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "milter-load: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((nn = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (nn[n] = strdup(de->d_name)) == NULL) {
			if (nn != NULL)
				names = nn;
			rc = -1;
			break;
		}
		names = nn;
		n++;
	}
	closedir(d);
	if (rc == 0)
		qsort(names, n, sizeof(*names), cmp_name);
	for (i = 0; i < n; i++) {
		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		if (rc == 0 && stat(full, &sb) == 0 && S_ISREG(sb.st_mode))
			rc = add_message(full);
		free(names[i]);
	}
	free(names);
	if (rc == 0 && n == 0) {
		fprintf(stderr, "milter-load: %s: no messages\n", path);
		rc = -1;
	}
	return rc;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: milter-load -s SOCKET -f MESSAGE [options]\n"
	    "  -s SOCKET   unix:/path, inet:PORT@HOST or inet6:PORT@HOST\n"
	    "  -f FILE     the message (raw RFC 5322, LF or CRLF); repeatable, or a\n"
	    "              directory of them: message i is the (i mod count)th\n"
	    "  -F FROM     envelope sender (default bench@example.org)\n"
	    "  -r RCPT     envelope recipient, repeatable (default rcpt@example.net)\n"
	    "  -c K        concurrent connections (default 2, at most %d)\n"
	    "  -n N        stop after N messages (default 1000)\n"
	    "  -t SECONDS  stop starting messages after this long (default 10)\n"
	    "  -p P        messages per connection (default 10)\n"
	    "  -e COUNT    expect COUNT added DKIM-Signature fields per message\n"
	    "  -E NAME     the header name -e counts (default DKIM-Signature)\n"
	    "  -a USER     macro {auth_authen} (and {auth_type}=PLAIN) at MAIL\n"
	    "  -d NAME     macro {daemon_name} at CONNECT\n"
	    "  -m S:N=V    macro N=V at stage S (C H M R T L N E), repeatable\n"
	    "  -T SECONDS  I/O timeout (default 30)\n"
	    "  -v          show the replies to the first message\n"
	    "  -q          print only the RESULT line\n", MAX_CONNS);
	exit(2);
}

static void
add_macro(char stage, const char *name, const char *value)
{
	if (opt.nmacros == MAX_MACROS) {
		fprintf(stderr, "milter-load: more than %d macros\n", MAX_MACROS);
		exit(2);
	}
	opt.macros[opt.nmacros++] = (struct macro){ stage, name, value };
}

static void
parse_macro(char *arg)
{
	char *eq = strchr(arg, '=');

	if (strlen(arg) < 4 || arg[1] != ':' || eq == NULL || eq == arg + 2 ||
	    strchr("CHMRTLNE", arg[0]) == NULL) {
		fprintf(stderr, "milter-load: -m %s: want STAGE:NAME=VALUE, "
		    "STAGE one of C H M R T L N E\n", arg);
		exit(2);
	}
	*eq = '\0';
	add_macro(arg[0], arg + 2, eq + 1);
}

static long
num(const char *s, long min, long max, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "milter-load: %s %s: want %ld to %ld\n", what, s, min, max);
		exit(2);
	}
	return v;
}

static void
parse_args(int argc, char **argv)
{
	int ch;
	char *end;

	add_macro(MP_MC_CONNECT, "j", "mx.bench.test");
	add_macro(MP_MC_CONNECT, "_", "localhost [127.0.0.1]");
	while ((ch = getopt(argc, argv, "s:f:F:r:c:n:t:p:e:E:a:d:m:T:vq")) != -1) {
		switch (ch) {
		case 's': opt.sock = optarg; break;
		case 'f':
			if (opt.nfiles == MAX_RCPTS)
				usage();
			opt.files[opt.nfiles++] = optarg;
			break;
		case 'F': opt.from = optarg; break;
		case 'r':
			if (opt.nrcpts == MAX_RCPTS)
				usage();
			opt.rcpts[opt.nrcpts++] = optarg;
			break;
		case 'c': opt.conns = (int)num(optarg, 1, MAX_CONNS, "-c"); break;
		case 'n': opt.count = num(optarg, 1, 100000000, "-n"); break;
		case 't':
			opt.seconds = strtod(optarg, &end);
			if (*end != '\0' || opt.seconds <= 0)
				usage();
			break;
		case 'p': opt.per_conn = num(optarg, 1, 100000000, "-p"); break;
		case 'e': opt.expect = (int)num(optarg, 0, 100, "-e"); break;
		case 'E': opt.expect_name = optarg; break;
		case 'a':
			add_macro(MP_MC_MAIL, "{auth_authen}", optarg);
			add_macro(MP_MC_MAIL, "{auth_type}", "PLAIN");
			break;
		case 'd': add_macro(MP_MC_CONNECT, "{daemon_name}", optarg); break;
		case 'm': parse_macro(optarg); break;
		case 'T': opt.timeout = (int)num(optarg, 1, 3600, "-T"); break;
		case 'v': opt.verbose = 1; break;
		case 'q': opt.quiet = 1; break;
		default: usage();
		}
	}
	if (optind != argc || opt.sock == NULL || opt.nfiles == 0)
		usage();
	if (opt.nrcpts == 0)
		opt.rcpts[opt.nrcpts++] = "rcpt@example.net";
}

static void
report(struct stats *all, int k)
{
	struct stats sum;
	struct timespec end = t_start;
	double elapsed, rate;
	const char *first = "";
	int i, j;
	long bad;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < k; i++) {
		for (j = 0; j < 256; j++) {
			sum.final[j] += all[i].final[j];
			sum.mods[j] += all[i].mods[j];
		}
		sum.errors += all[i].errors;
		sum.connects += all[i].connects;
		sum.expect_bad += all[i].expect_bad;
		sum.replycodes += all[i].replycodes;
		if (*first == '\0')
			first = all[i].first_error;
		if (all[i].nlat > 0 && since(&end, &all[i].last_done) > 0)
			end = all[i].last_done;
		for (j = 0; j < all[i].nlat; j++)
			if (lat_add(&sum, all[i].lat[j]) != 0)
				break;
	}
	qsort(sum.lat, (size_t)sum.nlat, sizeof(double), cmp_double);
	elapsed = since(&t_start, &end);
	rate = elapsed > 0 ? (double)sum.nlat / elapsed : 0;
	bad = sum.final[MP_MR_REJECT] + sum.final[MP_MR_TEMPFAIL] +
	    sum.final[MP_MR_DISCARD] +
	    sum.final[MP_MR_CONN_FAIL] + sum.final[MP_MR_SHUTDOWN];
	if (!opt.quiet) {
		printf("milter-load: %s, %d connection(s), %ld message(s) each, "
		    "%zu distinct message(s), the first %zu header fields, "
		    "%zu body bytes\n", opt.sock, opt.conns, opt.per_conn, nmsgs,
		    msgs[0].nhdrs, msgs[0].body_len);
		printf("messages   %ld in %.3f s = %.1f msg/s (%ld connections)\n",
		    sum.nlat, elapsed, rate, sum.connects);
		printf("latency    p50 %.3f ms  p99 %.3f ms  max %.3f ms\n",
		    pct(sum.lat, sum.nlat, .50) * 1e3, pct(sum.lat, sum.nlat, .99) * 1e3,
		    sum.nlat ? sum.lat[sum.nlat - 1] * 1e3 : 0);
		printf("final     ");
		for (j = 0; j < 256; j++)
			if (sum.final[j])
				printf(" %s %ld", mp_mproto_reply_name((char)j), sum.final[j]);
		if (sum.replycodes)
			printf(" (%ld with a reply code)", sum.replycodes);
		printf("\nmodified  ");
		for (j = 0; j < 256; j++)
			if (sum.mods[j])
				printf(" %s %ld", mp_mproto_reply_name((char)j), sum.mods[j]);
		printf("\n");
		if (opt.expect >= 0)
			printf("expect     %d %s per message: %ld wrong\n", opt.expect,
			    opt.expect_name, sum.expect_bad);
		if (sum.errors)
			printf("errors     %ld (first: %s)\n", sum.errors, first);
	}
	printf("RESULT n=%ld seconds=%.3f rate=%.1f p50_ms=%.3f p99_ms=%.3f "
	    "max_ms=%.3f accept=%ld continue=%ld reject=%ld tempfail=%ld "
	    "other=%ld errors=%ld expect_bad=%ld addrcpt=%ld delrcpt=%ld "
	    "replbody=%ld distinct=%zu\n", sum.nlat, elapsed, rate,
	    pct(sum.lat, sum.nlat, .50) * 1e3, pct(sum.lat, sum.nlat, .99) * 1e3,
	    sum.nlat ? sum.lat[sum.nlat - 1] * 1e3 : 0, sum.final[MP_MR_ACCEPT],
	    sum.final[MP_MR_CONTINUE], sum.final[MP_MR_REJECT],
	    sum.final[MP_MR_TEMPFAIL], bad - sum.final[MP_MR_REJECT] -
	    sum.final[MP_MR_TEMPFAIL], sum.errors, sum.expect_bad,
	    sum.mods[MP_MR_ADDRCPT] + sum.mods[MP_MR_ADDRCPT_PAR],
	    sum.mods[MP_MR_DELRCPT], sum.mods[MP_MR_REPLBODY], nmsgs);
	if (sum.errors && opt.quiet)
		fprintf(stderr, "milter-load: %ld error(s), first: %s\n", sum.errors, first);
	free(sum.lat);
	exit(sum.errors == 0 && sum.expect_bad == 0 && bad == 0 && sum.nlat > 0 ? 0 : 1);
}

int
main(int argc, char **argv)
{
	pthread_t tids[MAX_CONNS];
	struct stats *st;
	int i;

	parse_args(argc, argv);
	for (i = 0; i < (int)opt.nfiles; i++)
		if (load_path(opt.files[i]) != 0)
			return 1;
	if ((st = calloc((size_t)opt.conns, sizeof(*st))) == NULL)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	for (i = 0; i < opt.conns; i++)
		st[i].id = i;
	for (i = 0; i < opt.conns; i++)
		if (pthread_create(&tids[i], NULL, worker, &st[i]) != 0) {
			fprintf(stderr, "milter-load: cannot start thread %d\n", i);
			return 1;
		}
	for (i = 0; i < opt.conns; i++)
		pthread_join(tids[i], NULL);
	report(st, opt.conns);
	return 0;
}
