/*
 * mp-bounce-tool - what mp_bounce_classify() makes of messages (a test
 * helper; the admin-facing tool comes with the milter wiring)
 *
 *	mp-bounce-tool FILE...
 *		one tab-separated line per FILE: file, kind, status (the
 *		enhanced code, else the SMTP reply code),
 *		first failed recipient, signal, shape, recipients kept,
 *		original Message-ID, original X-Meldpunt-Id ("-" for empty)
 *	mp-bounce-tool -v FILE
 *		the same, then one line per recipient: kind, address,
 *		status, action, remote MTA, diagnostic
 *	mp-bounce-tool -t RCPT BOUNCE-LOCAL DELIM
 *		the VERP tag: "found TAG", "notfound" or "invalid"
 *
 * Exit: 0, 1 for usage or an unreadable file, 2 when a message was
 * refused (the error on stderr as "FILE: reason").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "bounce.h"
#include "error.h"

static const char *
dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL, *np;
	size_t cap = 0, n;

	*len = 0;
	if (f == NULL)
		return NULL;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((np = realloc(p, cap)) == NULL) {
				free(p);
				fclose(f);
				return NULL;
			}
			p = np;
		}
		n = fread(p + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	return p;
}

int
main(int argc, char **argv)
{
	struct mp_bounce *b;
	struct mp_error err;
	int i = 1, verbose = 0, status = 0;
	size_t k;

	if (argc == 5 && strcmp(argv[1], "-t") == 0) {
		char tag[64];
		int rc = mp_bounce_verp_tag(argv[2], argv[3], argv[4][0], tag,
		    sizeof(tag));

		if (rc == MP_FOUND)
			printf("found %s\n", tag);
		else
			printf("%s\n", rc == MP_NOTFOUND ? "notfound" : "invalid");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: mp-bounce-tool [-v] FILE...\n"
		    "       mp-bounce-tool -t RCPT BOUNCE-LOCAL DELIM\n");
		return 1;
	}
	g_mime_init();
	if ((b = malloc(sizeof(*b))) == NULL)
		return 1;
	for (; i < argc; i++) {
		size_t len;
		char *msg = slurp(argv[i], &len);

		if (msg == NULL) {
			fprintf(stderr, "%s: cannot read\n", argv[i]);
			status = 1;
			continue;
		}
		if (mp_bounce_classify(msg, len, NULL, b, &err) != MP_OK) {
			fprintf(stderr, "%s: %s\n", argv[i], err.msg);
			if (status == 0)
				status = 2;
			free(msg);
			continue;
		}
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%zu\t%s\t%s\n", argv[i],
		    mp_bounce_kind_name(b->kind),
		    dash(b->status[0] != '\0' ? b->status : b->reply),
		    dash(b->nrcpts > 0 ? b->rcpt[0].addr : NULL),
		    mp_bounce_signal_name(b->signal),
		    mp_bounce_shape_name(b->shape), b->nrcpts + b->more_rcpts,
		    dash(b->orig_message_id), dash(b->orig_meldpunt_id));
		for (k = 0; verbose && k < b->nrcpts; k++)
			printf("  %s\t%s\t%s\t%s\t%s\t%s\n",
			    mp_bounce_kind_name(b->rcpt[k].kind),
			    dash(b->rcpt[k].addr), dash(b->rcpt[k].status),
			    dash(b->rcpt[k].action), dash(b->rcpt[k].remote_mta),
			    dash(b->rcpt[k].diag));
		free(msg);
	}
	free(b);
	return status;
}
