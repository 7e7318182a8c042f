/*
 * mp-sign-tool - a small driver over lib/dkim/sign and lib/dkim/verify for the
 * shell tests (dkimpy cross-check, meldpunt-verify tests).
 *
 *   mp-sign-tool sign DOMAIN RSASEL RSAKEY EDSEL EDKEY MSG   signed MSG on stdout
 *   mp-sign-tool txt  DOMAIN RSASEL RSAKEY EDSEL EDKEY       key-file lines
 *   mp-sign-tool verify KEYFILE MSG                          one line per signature
 *
 * A selector and key given as "-" leave that algorithm out.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sign.h"
#include "verify.h"

static int
slurp(const char *path, struct mp_buf *b)
{
	char chunk[8192];
	size_t r;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return -1;
	mp_buf_init(b, 0);
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (mp_buf_append(b, chunk, r) != 0)
			break;
	fclose(f);
	return 0;
}

static const char *
opt(const char *s)
{
	return strcmp(s, "-") == 0 ? NULL : s;
}

static int
do_sign(char **av, int with_msg)
{
	struct mp_error err;
	struct mp_signer *s = mp_signer_load(av[0], opt(av[1]), opt(av[2]),
	    opt(av[3]), opt(av[4]), &err);
	struct mp_sign_out out;
	struct mp_buf msg;
	size_t i;

	if (s == NULL) {
		fprintf(stderr, "mp-sign-tool: %s\n", err.msg);
		return 2;
	}
	if (!with_msg) {
		for (i = 0; i < mp_signer_count(s); i++)
			printf("%s %s\n", mp_signer_record_name(s, i), mp_signer_txt(s, i));
		mp_signer_free(&s);
		return 0;
	}
	if (slurp(av[5], &msg) != 0) {
		perror(av[5]);
		mp_signer_free(&s);
		return 2;
	}
	if (mp_sign_message(s, msg.data ? msg.data : "", msg.len, &out, &err) != 0) {
		fprintf(stderr, "mp-sign-tool: %s\n", err.msg);
		mp_buf_free(&msg);
		mp_signer_free(&s);
		return 1;
	}
	for (i = 0; i < out.n; i++)
		printf("%s: %s\n", out.hdr[i].name, out.hdr[i].value);
	fwrite(msg.data, 1, msg.len, stdout);
	mp_sign_out_clear(&out);
	mp_buf_free(&msg);
	mp_signer_free(&s);
	return 0;
}

static int
do_verify(char **av)
{
	struct mp_error err;
	struct mp_keyfile *kf = mp_keyfile_load(av[0], &err);
	struct mp_verifier *v;
	struct mp_verify_result r;
	struct mp_buf msg;
	size_t i;
	int bad = 0;

	if (kf == NULL) {
		fprintf(stderr, "mp-sign-tool: %s\n", err.msg);
		return 2;
	}
	v = mp_verifier_new(mp_keyfile_lookup, kf, 0, &err);
	if (v == NULL || slurp(av[1], &msg) != 0) {
		fprintf(stderr, "mp-sign-tool: %s\n", v ? av[1] : err.msg);
		return 2;
	}
	if (mp_verify_message(v, msg.data ? msg.data : "", msg.len, &r, &err) != 0) {
		fprintf(stderr, "mp-sign-tool: %s\n", err.msg);
		return 2;
	}
	for (i = 0; i < r.n; i++) {
		printf("%s %s %s %s: %s\n", r.sig[i].alg, r.sig[i].domain, r.sig[i].selector,
		    mp_dkim_result_name(r.sig[i].result), r.sig[i].why);
		bad |= r.sig[i].result != MP_DKIM_PASS;
	}
	mp_buf_free(&msg);
	mp_verifier_free(&v);
	mp_keyfile_free(&kf);
	return r.n == 0 || bad;
}

int
main(int ac, char **av)
{
	if (ac == 8 && strcmp(av[1], "sign") == 0)
		return do_sign(av + 2, 1);
	if (ac == 7 && strcmp(av[1], "txt") == 0)
		return do_sign(av + 2, 0);
	if (ac == 4 && strcmp(av[1], "verify") == 0)
		return do_verify(av + 2);
	fprintf(stderr, "usage: mp-sign-tool sign|txt|verify ...\n");
	return 2;
}
