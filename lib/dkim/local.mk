# libmpdkim: DKIM signing (keys parsed once, OpenSSL EVP) and verification
# (libopendkim). See issue 6.
noinst_LIBRARIES += lib/dkim/libmpdkim.a
lib_dkim_libmpdkim_a_SOURCES = \
	lib/dkim/sign.c lib/dkim/sign.h \
	lib/dkim/verify.c lib/dkim/verify.h
lib_dkim_libmpdkim_a_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(OPENDKIM_CFLAGS)

# What a program linking libmpdkim needs after it.
DKIM_LIBS = lib/dkim/libmpdkim.a $(MAIL_LIBS) $(OPENDKIM_LIBS) $(CRYPTO_LIBS) \
	$(PTHREAD_LIBS)
