/*
 * fuzz-bounce - libFuzzer target: raw bytes into mp_bounce_classify(), as
 * the bounce flow will feed it, and the first line into
 * mp_bounce_verp_tag(). Checks the promises of bounce.h: every string
 * bounded and free of control characters, counts within the limits, a
 * refusal only with a MIME error and a cleared result.
 * Seeds: tests/fuzz/bounce.seeds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <gmime/gmime.h>

#include "bounce.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_mime_init();
	return 0;
}

static void
check_str(const char *s, size_t size)
{
	size_t n = strnlen(s, size), i;

	if (n == size)
		__builtin_trap();	/* not terminated */
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mp_bounce b;	/* 20 KB: off the stack */
	struct mp_bounce_limits lim;
	struct mp_error err;
	const char *nl;
	char rcpt[300], tag[32];
	size_t i, n;
	int rc;

	mp_bounce_limits_default(&lim);
	lim.msg.max_size = 1024 * 1024;
	rc = mp_bounce_classify((const char *)data, size, &lim, &b, &err);
	if (rc != MP_OK) {
		if (b.kind != MP_BOUNCE_NONE || b.nrcpts != 0 ||
		    (rc != MP_EINPUT && rc != MP_ELIMIT && rc != MP_ENOMEM))
			__builtin_trap();
	} else {
		if (b.nrcpts > lim.max_rcpts ||
		    (unsigned)b.kind > MP_BOUNCE_AUTO_REPLY)
			__builtin_trap();
		check_str(b.status, sizeof(b.status));
		check_str(b.reply, sizeof(b.reply));
		check_str(b.orig_message_id, sizeof(b.orig_message_id));
		check_str(b.orig_meldpunt_id, sizeof(b.orig_meldpunt_id));
		for (i = 0; i < b.nrcpts; i++) {
			check_str(b.rcpt[i].addr, sizeof(b.rcpt[i].addr));
			check_str(b.rcpt[i].status, sizeof(b.rcpt[i].status));
			check_str(b.rcpt[i].action, sizeof(b.rcpt[i].action));
			check_str(b.rcpt[i].diag, sizeof(b.rcpt[i].diag));
			check_str(b.rcpt[i].remote_mta,
			    sizeof(b.rcpt[i].remote_mta));
			if (strlen(b.rcpt[i].diag) > lim.max_diag)
				__builtin_trap();
		}
		if ((b.kind == MP_BOUNCE_HARD || b.kind == MP_BOUNCE_SOFT) &&
		    b.signal != MP_BSIG_DSN && b.signal != MP_BSIG_MTA_TEXT)
			__builtin_trap();
	}

	/* The first line as an envelope recipient. */
	nl = memchr(data, '\n', size);
	n = nl != NULL ? (size_t)(nl - (const char *)data) : size;
	if (n >= sizeof(rcpt))
		n = sizeof(rcpt) - 1;
	memcpy(rcpt, data, n);
	rcpt[n] = '\0';
	rc = mp_bounce_verp_tag(rcpt, "bounce", '+', tag, sizeof(tag));
	if (rc == MP_FOUND) {
		for (i = 0; tag[i] != '\0'; i++)
			if (!((tag[i] >= 'a' && tag[i] <= 'z') ||
			    (tag[i] >= 'A' && tag[i] <= 'Z') ||
			    (tag[i] >= '0' && tag[i] <= '9') || tag[i] == '-'))
				__builtin_trap();
		if (i == 0 || i >= sizeof(tag))
			__builtin_trap();
	} else if (rc != MP_NOTFOUND && rc != MP_EINPUT)
		__builtin_trap();
	return 0;
}
