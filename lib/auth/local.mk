# libmpauth: who a message is from and whether to believe it. The From
# parser, IdentityMap, TrustedHosts and the sender-identity decision
# (identity.c; glib for iconv and Unicode), and reporter authentication at
# intake (issue 6, item 3): SPF with libspf2 under a time budget, a test DNS
# zone, and the PASS/FAIL/RETRY decision over SPF, DKIM (libmpdkim's
# verifier) and the reporter records (libmproute).
noinst_LIBRARIES += lib/auth/libmpauth.a
lib_auth_libmpauth_a_SOURCES = \
	lib/auth/identity.c lib/auth/identity.h \
	lib/auth/dnszone.c lib/auth/dnszone.h \
	lib/auth/spf.c lib/auth/spf.h \
	lib/auth/reporter_auth.c lib/auth/reporter_auth.h
lib_auth_libmpauth_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)

# What a program linking libmpauth needs after it.
AUTH_LIBS = lib/auth/libmpauth.a $(DKIM_LIBS) $(ROUTE_LIBS) $(SPF2_LIBS) \
	$(GMIME_LIBS)
