# libmpauth: reporter authentication at intake (issue 6, item 3): SPF with
# libspf2 under a time budget, a test DNS zone, and the PASS/FAIL/RETRY
# decision over SPF, DKIM (libmpsign's verifier) and the reporter records.
noinst_LIBRARIES += lib/libmpauth.a
lib_libmpauth_a_SOURCES = \
	lib/dnszone.c lib/dnszone.h \
	lib/spf.c lib/spf.h \
	lib/reporter_auth.c lib/reporter_auth.h
lib_libmpauth_a_CFLAGS = $(AM_CFLAGS)

# What a program linking libmpauth needs after it (verify.h's types come
# from libmpsign; readfile from libmpcore).
AUTH_LIBS = lib/libmpauth.a $(SIGN_LIBS) $(SPF2_LIBS)
