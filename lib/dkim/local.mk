# libmpdkim: DKIM signing (keys parsed once, OpenSSL EVP) and verification
# (libopendkim), the one DKIM alignment rule (align.c) and the test DNS zone
# (dnszone.c), whose format is also the verifier's key file. The signer is
# canon.c (relaxed canonicalisation), sign.c (the signature) and sign_key.c
# (loading keys), sharing sign_int.h.
#
# Layer: dkim, over mail (msgsplit, addresses) and core; beside report,
# route, state. The zone is here, not in auth, because the verifier's key
# file (the lowest reader) is here; auth's SPF test DNS reads it from above.
noinst_LIBRARIES += lib/dkim/libmpdkim.a
lib_dkim_libmpdkim_a_SOURCES = \
	lib/dkim/align.c lib/dkim/align.h \
	lib/dkim/dnszone.c lib/dkim/dnszone.h \
	lib/dkim/sign.c lib/dkim/sign.h \
	lib/dkim/sign_int.h lib/dkim/canon.c lib/dkim/sign_key.c \
	lib/dkim/verify.c lib/dkim/verify.h
lib_dkim_libmpdkim_a_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(OPENDKIM_CFLAGS)
lib_dkim_libmpdkim_a_CPPFLAGS = $(DKIM_CPPFLAGS) $(MP_DEFS)

# Code over libmpdkim: its include path (this folder and the ones below
# it that it uses) and what a program linking it needs after it.
DKIM_CPPFLAGS = -I$(top_srcdir)/lib/dkim -I$(top_srcdir)/lib/mail \
	-I$(top_srcdir)/lib/core
DKIM_LIBS = lib/dkim/libmpdkim.a $(MAIL_LIBS) $(OPENDKIM_LIBS) $(CRYPTO_LIBS) \
	$(PTHREAD_LIBS)
