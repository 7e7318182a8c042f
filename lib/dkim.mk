# libmpdkim: DKIM signing (keys parsed once, OpenSSL EVP) and verification
# (libopendkim). See issue 6.
noinst_LIBRARIES += lib/libmpdkim.a
lib_libmpdkim_a_SOURCES = \
	lib/sign.c lib/sign.h \
	lib/verify.c lib/verify.h
lib_libmpdkim_a_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(OPENDKIM_CFLAGS)

# What a program linking libmpdkim needs after it.
DKIM_LIBS = lib/libmpdkim.a $(MAIL_LIBS) $(OPENDKIM_LIBS) $(CRYPTO_LIBS) \
	$(PTHREAD_LIBS)
