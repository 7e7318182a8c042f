/*
 * submit-load - submit N copies of one message to an MTA over SMTP, each
 * with a Message-ID of its own, from K sessions at once
 *
 * The outbound baseline of bench-sender: what the MTA and the milter
 * sign per second when mail is handed to the submission service as fast
 * as K clients can, to set beside the sender's rate in the same run. It
 * submits with lib/daemon/submit.c, the sender's own SMTP client, one
 * connection per message as smtp-source does; so the two rates differ
 * by what the sender does around its submissions, not by the client.
 *
 * Message i is FILE with its Message-ID field replaced by
 * <submit-load.PID.i@DOMAIN> (DOMAIN that of -F): a milter or MTA that
 * remembers Message-IDs sees N new ones. LF line ends become CRLF.
 *
 * Prints "RESULT n=... seconds=... rate=... errors=..." (rate: messages
 * the MTA took per second, from the first connection to the last 250).
 * Exit: 0 every message taken; 1 otherwise; 2 usage.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "readfile.h"
#include "submit.h"

#define MAX_SESSIONS	64
#define MAX_FILE	(16 * 1024 * 1024)

static struct {
	const char *addr, *from, *rcpt, *file;
	long count;
	int sessions;
	unsigned timeout;
} opt = { NULL, "bench@example.org", "rcpt@example.net", NULL, 100, 8, 30 };

static char *head, *tail;		/* FILE before and after Message-ID */
static size_t head_len, tail_len;
static atomic_long next_msg, taken, failed;
static pthread_mutex_t first_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_error[MP_SUBMIT_REPLY_MAX + 64];

/* FILE in CRLF, split around its Message-ID field (kept out). */
static int
load(const char *path)
{
	struct mp_error err;
	struct mp_buf in, crlf;
	char *mid = NULL, *end, *p;
	size_t i;

	mp_buf_init(&crlf, 0);
	if (mp_read_file(path, MAX_FILE, &in, &err) != MP_OK) {
		fprintf(stderr, "submit-load: %s\n", err.msg);
		return -1;
	}
	for (i = 0; i < in.len; i++) {
		if (in.data[i] == '\n' && (i == 0 || in.data[i - 1] != '\r') &&
		    mp_buf_append(&crlf, "\r", 1) != MP_OK)
			return -1;
		if (mp_buf_append(&crlf, in.data + i, 1) != MP_OK)
			return -1;
	}
	mp_buf_free(&in);	/* crlf.data is NUL-terminated (buf.h) */
	/* the field in the header only: at the start, or after a CRLF */
	for (p = crlf.data; p != NULL && *p != '\0' && strncmp(p, "\r\n", 2);
	    p = (p = strstr(p, "\r\n")) != NULL ? p + 2 : NULL)
		if (strncasecmp(p, "Message-ID:", 11) == 0) {
			mid = p;
			break;
		}
	if (mid == NULL) {
		fprintf(stderr, "submit-load: %s has no Message-ID field\n", path);
		return -1;
	}
	/* its end: the CRLF not followed by a continuation line */
	for (end = mid; (end = strstr(end, "\r\n")) != NULL &&
	    (end[2] == ' ' || end[2] == '\t'); end += 2)
		;
	if (end == NULL)
		return -1;
	head = crlf.data;
	head_len = (size_t)(mid - crlf.data);
	tail = end + 2;
	tail_len = crlf.len - (size_t)(tail - crlf.data);
	return 0;
}

static void *
session(void *arg)
{
	const char *rcpt[1] = { opt.rcpt };
	const char *dom = strchr(opt.from, '@');
	struct mp_submit_result res;
	struct mp_error err;
	char helo[64], field[256];
	struct mp_buf m;
	long i;
	int n;

	snprintf(helo, sizeof(helo), "submit-load-%ld", (long)(intptr_t)arg);
	mp_buf_init(&m, 0);
	while ((i = atomic_fetch_add(&next_msg, 1)) < opt.count) {
		n = snprintf(field, sizeof(field),
		    "Message-ID: <submit-load.%ld.%ld@%s>\r\n", (long)getpid(),
		    i, dom != NULL ? dom + 1 : "example.org");
		mp_buf_reset(&m);
		if (mp_buf_append(&m, head, head_len) != MP_OK ||
		    mp_buf_append(&m, field, (size_t)n) != MP_OK ||
		    mp_buf_append(&m, tail, tail_len) != MP_OK) {
			atomic_fetch_add(&failed, 1);
			continue;
		}
		mp_error_clear(&err);
		if (mp_submit(opt.addr, helo, opt.timeout, opt.from, rcpt, 1,
		    m.data, m.len, &res, &err) == MP_OK) {
			atomic_fetch_add(&taken, 1);
			continue;
		}
		atomic_fetch_add(&failed, 1);
		pthread_mutex_lock(&first_lock);
		if (first_error[0] == '\0')
			snprintf(first_error, sizeof(first_error), "%s", err.msg);
		pthread_mutex_unlock(&first_lock);
	}
	mp_buf_free(&m);
	return NULL;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: submit-load -a ADDR -f MESSAGE [options]\n"
	    "  -a ADDR     HOST:PORT, [IPV6]:PORT or unix:PATH (as SubmitAddress)\n"
	    "  -f FILE     the message; its Message-ID is replaced per message\n"
	    "  -F FROM     envelope sender (default bench@example.org)\n"
	    "  -r RCPT     envelope recipient (default rcpt@example.net)\n"
	    "  -n N        messages (default 100)\n"
	    "  -c K        sessions at once (default 8, at most %d)\n"
	    "  -T SECONDS  I/O timeout (default 30)\n", MAX_SESSIONS);
	exit(2);
}

int
main(int argc, char **argv)
{
	pthread_t tids[MAX_SESSIONS];
	struct timespec t0, t1;
	double secs;
	int c, i;

	while ((c = getopt(argc, argv, "a:f:F:r:n:c:T:")) != -1)
		switch (c) {
		case 'a': opt.addr = optarg; break;
		case 'f': opt.file = optarg; break;
		case 'F': opt.from = optarg; break;
		case 'r': opt.rcpt = optarg; break;
		case 'n': opt.count = atol(optarg); break;
		case 'c': opt.sessions = atoi(optarg); break;
		case 'T': opt.timeout = (unsigned)atoi(optarg); break;
		default: usage();
		}
	if (opt.addr == NULL || opt.file == NULL || opt.count < 1 ||
	    opt.sessions < 1 || opt.sessions > MAX_SESSIONS || optind != argc)
		usage();
	if (load(opt.file) != 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < opt.sessions; i++)
		if (pthread_create(&tids[i], NULL, session,
		    (void *)(intptr_t)i) != 0) {
			fprintf(stderr, "submit-load: cannot start a thread\n");
			return 1;
		}
	for (i = 0; i < opt.sessions; i++)
		pthread_join(tids[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (failed > 0)
		fprintf(stderr, "submit-load: %ld not taken, the first: %s\n",
		    (long)failed, first_error);
	printf("RESULT n=%ld seconds=%.3f rate=%.1f errors=%ld sessions=%d\n",
	    (long)taken, secs, secs > 0 ? (double)taken / secs : 0.0,
	    (long)failed, opt.sessions);
	return failed == 0 && taken == opt.count ? 0 : 1;
}
