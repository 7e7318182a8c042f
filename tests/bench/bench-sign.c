/*
 * bench-sign - DKIM signing throughput: lib/dkim/sign (keys parsed once, EVP)
 * against libopendkim (key given as a string, parsed per message), and
 * both against the raw OpenSSL sign rate measured in the same run, the
 * way `openssl speed rsa2048 ed25519` counts it (one core).
 *
 * Same message, same keys, same header list for every contender.
 * Ratios first: absolute figures on a shared machine are noise.
 * BENCH_SECONDS (default 0.6) bounds each measurement; about 12 of them.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <opendkim/dkim.h>

#include "msgsplit.h"
#include "sign.h"

static double budget = 0.6;
static char msg[4096];
static size_t msglen;
static char rsa_pem[4096], ed_pem[512], rsa_der64[4096];
static char rsa_path[300], ed_path[300];

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define LOOP(count, body) do {					\
	double t0_ = now(), t_;					\
	(count) = 0;						\
	do {							\
		for (int k_ = 0; k_ < 8; k_++) { body; }	\
		(count) += 8;					\
		t_ = now() - t0_;				\
	} while (t_ < budget);					\
	(count) /= t_;						\
} while (0)

static void
die(const char *what)
{
	fprintf(stderr, "bench-sign: %s\n", what);
	exit(1);
}

static void
make_message(void)
{
	int i, n;

	n = snprintf(msg, sizeof(msg),
	    "From: Meldpunt <abuse@meldpunt.nl>\r\n"
	    "To: owner@example.org\r\n"
	    "Subject: Kwetsbare dienst op 192.0.2.7\r\n"
	    "Date: Mon, 01 Jan 2024 10:00:00 +0100\r\n"
	    "Message-ID: <bench@meldpunt.nl>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n");
	for (i = 0; i < 12; i++)
		n += snprintf(msg + n, sizeof(msg) - (size_t)n,
		    "Regel %d: op 192.0.2.7 poort 3389 draait een kwetsbare dienst.\r\n", i);
	msglen = (size_t)n;
}

static void
write_key(EVP_PKEY *pk, char *pem, size_t pemsz, const char *path)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;
	FILE *f;

	PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(b, &p);
	if (n <= 0 || (size_t)n >= pemsz)
		die("PEM too large");
	memcpy(pem, p, (size_t)n);
	pem[n] = '\0';
	BIO_free(b);
	umask(077);
	f = fopen(path, "w");
	if (f == NULL || fputs(pem, f) < 0 || fclose(f) != 0)
		die("cannot write a key file");
}

static EVP_PKEY *rsa, *ed;

static void
make_keys(void)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	unsigned char *der = NULL;
	int n;

	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (rsa == NULL || ed == NULL)
		die("key generation failed");
	snprintf(rsa_path, sizeof(rsa_path), "%s/bench-sign-rsa.%ld", tmp, (long)getpid());
	snprintf(ed_path, sizeof(ed_path), "%s/bench-sign-ed.%ld", tmp, (long)getpid());
	write_key(rsa, rsa_pem, sizeof(rsa_pem), rsa_path);
	write_key(ed, ed_pem, sizeof(ed_pem), ed_path);
	/* libopendkim also takes base64 DER: does that parse faster? */
	n = i2d_PrivateKey(rsa, &der);
	EVP_EncodeBlock((unsigned char *)rsa_der64, der, n);
	OPENSSL_free(der);
}

/* ---- raw OpenSSL ---- */

static double
raw_rsa(void)
{
	unsigned char dig[32] = { 1 }, sig[512];
	size_t sl;
	double r;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(rsa, NULL);

	EVP_PKEY_sign_init(c);
	EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING);
	EVP_PKEY_CTX_set_signature_md(c, EVP_sha256());
	LOOP(r, { sl = sizeof(sig); if (EVP_PKEY_sign(c, sig, &sl, dig, 32) != 1) die("rsa"); });
	EVP_PKEY_CTX_free(c);
	return r;
}

static double
raw_ed(void)
{
	unsigned char dig[32] = { 1 }, sig[64];
	size_t sl;
	double r;
	EVP_MD_CTX *m = EVP_MD_CTX_new();

	LOOP(r, {
		sl = sizeof(sig);
		if (EVP_DigestSignInit(m, NULL, NULL, NULL, ed) != 1 ||
		    EVP_DigestSign(m, sig, &sl, dig, 32) != 1)
			die("ed25519");
	});
	EVP_MD_CTX_free(m);
	return r;
}

static double
pem_parse(const char *pem)
{
	double r;

	LOOP(r, {
		BIO *b = BIO_new_mem_buf(pem, -1);
		EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		if (k == NULL) die("PEM parse");
		EVP_PKEY_free(k);
		BIO_free(b);
	});
	return r;
}

/* ---- lib/dkim/sign ---- */

static struct mp_signer *dual;

static void
mp_once(const struct mp_signer *s)
{
	struct mp_sign_out o;
	struct mp_error err;

	if (mp_sign_message(s, msg, msglen, &o, &err) != 0)
		die(err.msg);
	mp_sign_out_clear(&o);
}

static double
mp_rate(const struct mp_signer *s)
{
	double r;

	LOOP(r, mp_once(s));
	return r;
}

static void *
mp_thread(void *arg)
{
	*(double *)arg = mp_rate(dual);
	return NULL;
}

static double
mp_rate2(void)
{
	pthread_t t[2];
	double r[2];
	int i;

	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, mp_thread, &r[i]);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return r[0] + r[1];
}

/* ---- libopendkim ---- */

static DKIM_LIB *lib;
static struct mp_msg split;

static void
odkim_setup(void)
{
	const char *hdrs[] = { MP_SIGN_HEADERS, NULL };
	const char *over[] = { "From", NULL };
	struct mp_error err;

	lib = dkim_init(NULL, NULL);
	if (lib == NULL ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, hdrs, sizeof(char **)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS, over, sizeof(char **)) != DKIM_STAT_OK)
		die("libopendkim setup");
	if (mp_msg_split(msg, msglen, 100, &split, &err) != 0)
		die(err.msg);
}

static void
odkim_one(const char *key, const char *sel, dkim_alg_t alg)
{
	DKIM_STAT st;
	DKIM *d = dkim_sign(lib, (const u_char *)"bench", NULL, (dkim_sigkey_t)key,
	    (const u_char *)sel, (const u_char *)"meldpunt.nl", DKIM_CANON_RELAXED,
	    DKIM_CANON_RELAXED, alg, -1, &st);
	unsigned char *hdr = NULL;
	size_t i, hl = 0;

	if (d == NULL)
		die("dkim_sign");
	for (i = 0; i < split.n; i++)
		if (dkim_header(d, (u_char *)(uintptr_t)split.f[i].p, split.f[i].len) != DKIM_STAT_OK)
			die("dkim_header");
	if (dkim_eoh(d) != DKIM_STAT_OK ||
	    dkim_body(d, (u_char *)(uintptr_t)split.body, split.bodylen) != DKIM_STAT_OK ||
	    dkim_eom(d, NULL) != DKIM_STAT_OK ||
	    dkim_getsighdr_d(d, 16, &hdr, &hl) != DKIM_STAT_OK)
		die(dkim_geterror(d) ? dkim_geterror(d) : "libopendkim signing");
	dkim_free(d);
}

static double
odkim_rate(const char *key, dkim_alg_t alg)
{
	double r;

	LOOP(r, odkim_one(key, alg == DKIM_SIGN_RSASHA256 ? "rsa1" : "ed1", alg));
	return r;
}

static double
odkim_dual(void)
{
	double r;

	LOOP(r, {
		odkim_one(rsa_pem, "rsa1", DKIM_SIGN_RSASHA256);
		odkim_one(ed_pem, "ed1", DKIM_SIGN_ED25519SHA256);
	});
	return r;
}

int
main(void)
{
	struct mp_error err;
	struct mp_signer *rsa_only, *ed_only;
	double r_rsa, r_ed, p_rsa, p_ed, ceil1, m_dual, m_dual2, m_rsa, m_ed;
	double o_rsa, o_rsa_der, o_ed, o_dual;

	if (getenv("BENCH_SECONDS"))
		budget = atof(getenv("BENCH_SECONDS"));
	if (budget <= 0 || budget > 30)
		budget = 0.6;
	make_message();
	make_keys();
	dual = mp_signer_load("meldpunt.nl", "rsa1", rsa_path, "ed1", ed_path, &err);
	rsa_only = mp_signer_load("meldpunt.nl", "rsa1", rsa_path, NULL, NULL, &err);
	ed_only = mp_signer_load("meldpunt.nl", NULL, NULL, "ed1", ed_path, &err);
	unlink(rsa_path);
	unlink(ed_path);
	if (dual == NULL || rsa_only == NULL || ed_only == NULL)
		die(err.msg);
	odkim_setup();

	r_rsa = raw_rsa();
	r_ed = raw_ed();
	p_rsa = pem_parse(rsa_pem);
	p_ed = pem_parse(ed_pem);
	m_dual = mp_rate(dual);
	m_rsa = mp_rate(rsa_only);
	m_ed = mp_rate(ed_only);
	m_dual2 = mp_rate2();
	o_rsa = odkim_rate(rsa_pem, DKIM_SIGN_RSASHA256);
	o_rsa_der = odkim_rate(rsa_der64, DKIM_SIGN_RSASHA256);
	o_ed = odkim_rate(ed_pem, DKIM_SIGN_ED25519SHA256);
	o_dual = odkim_dual();
	ceil1 = 1.0 / (1.0 / r_rsa + 1.0 / r_ed);

	printf("bench-sign: %zu-byte message, RSA-2048 + Ed25519, relaxed/relaxed, "
	    "%.1f s per figure, %s\n", msglen, budget, OpenSSL_version(OPENSSL_VERSION));
	printf("  ratios\n");
	printf("    lib/sign dual  / libopendkim dual (2 handles) : %6.2fx\n", m_dual / o_dual);
	printf("    lib/sign dual  / libopendkim RSA only         : %6.2fx\n", m_dual / o_rsa);
	printf("    lib/sign dual  / raw dual-sign ceiling        : %6.0f%%\n", 100 * m_dual / ceil1);
	printf("    lib/sign RSA   / raw RSA sign                 : %6.0f%%\n", 100 * m_rsa / r_rsa);
	printf("    lib/sign Ed    / raw Ed25519 sign             : %6.0f%%\n", 100 * m_ed / r_ed);
	printf("    libopendkim RSA / raw RSA sign                : %6.0f%%\n", 100 * o_rsa / r_rsa);
	printf("    lib/sign dual, 2 threads / 1 thread           : %6.2fx\n", m_dual2 / m_dual);
	printf("  figures (1 core unless said)\n");
	printf("    raw RSA-2048 sign          %8.0f /s\n", r_rsa);
	printf("    raw Ed25519 sign           %8.0f /s\n", r_ed);
	printf("    raw dual ceiling           %8.0f msg/s (1/(1/rsa + 1/ed))\n", ceil1);
	printf("    PEM parse RSA-2048         %8.0f us\n", 1e6 / p_rsa);
	printf("    PEM parse Ed25519          %8.0f us\n", 1e6 / p_ed);
	printf("    lib/sign dual              %8.0f msg/s\n", m_dual);
	printf("    lib/sign dual, 2 threads   %8.0f msg/s\n", m_dual2);
	printf("    lib/sign RSA only          %8.0f msg/s\n", m_rsa);
	printf("    lib/sign Ed25519 only      %8.0f msg/s\n", m_ed);
	printf("    libopendkim RSA (PEM)      %8.0f msg/s\n", o_rsa);
	printf("    libopendkim RSA (DER b64)  %8.0f msg/s\n", o_rsa_der);
	printf("    libopendkim Ed25519 (PEM)  %8.0f msg/s\n", o_ed);
	printf("    libopendkim dual           %8.0f msg/s\n", o_dual);

	mp_msg_clear(&split);
	dkim_close(lib);
	mp_signer_free(&dual);
	mp_signer_free(&rsa_only);
	mp_signer_free(&ed_only);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	return 0;
}
