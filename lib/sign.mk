# libmpsign: DKIM signing (keys parsed once, OpenSSL EVP), verification
# (libopendkim), sender-identity decisions. See issue 6.
noinst_LIBRARIES += lib/libmpsign.a
lib_libmpsign_a_SOURCES = \
	lib/msgsplit.c lib/msgsplit.h \
	lib/sign.c lib/sign.h \
	lib/verify.c lib/verify.h \
	lib/identity.c lib/identity.h
lib_libmpsign_a_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(OPENDKIM_CFLAGS) \
	$(GMIME_CFLAGS)

# What a program linking libmpsign needs after it.
# (glib, from GMime's flags, for iconv and Unicode in the From check).
SIGN_LIBS = lib/libmpsign.a lib/libmpcore.a $(OPENDKIM_LIBS) $(CRYPTO_LIBS) \
	$(GMIME_LIBS) $(PTHREAD_LIBS)
