# libmpauth: who a message is from and whether to believe it. The From
# parser, IdentityMap, TrustedHosts and the sender-identity decision
# (identity.c; glib for iconv and Unicode), and reporter authentication at
# intake (issue 6, item 3): SPF with libspf2 under a time budget, a test DNS
# zone, and the PASS/FAIL/RETRY decision over SPF, DKIM (libmpdkim's
# verifier) and the reporter records (libmproute).
noinst_LIBRARIES += lib/libmpauth.a
lib_libmpauth_a_SOURCES = \
	lib/identity.c lib/identity.h \
	lib/dnszone.c lib/dnszone.h \
	lib/spf.c lib/spf.h \
	lib/reporter_auth.c lib/reporter_auth.h
lib_libmpauth_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)

# What a program linking libmpauth needs after it.
AUTH_LIBS = lib/libmpauth.a $(DKIM_LIBS) $(ROUTE_LIBS) $(SPF2_LIBS) \
	$(GMIME_LIBS)
