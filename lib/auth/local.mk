# libmpauth: who a message is from and whether to believe it. IdentityMap
# (idmap.c), TrustedHosts (trusted.c) and the sender-identity decision
# (identity.c; glib for Unicode), and reporter authentication at
# intake: SPF with libspf2 under a time budget (over the test DNS
# zone of lib/dkim/dnszone.c when one is set), and the PASS/FAIL/RETRY decision over SPF, DKIM (libmpdkim's
# verifier) and the reporter records (libmproute).
#
# Layer: auth, over dkim (the verifier, for reporter DKIM) and route (the
# reporter records); beside notify, which it does not use. The From parser
# that the decision reads is mail's (lib/mail/from.c).
noinst_LIBRARIES += lib/auth/libmpauth.a
lib_auth_libmpauth_a_SOURCES = \
	lib/auth/identity.c lib/auth/identity.h \
	lib/auth/idmap.c lib/auth/idmap.h \
	lib/auth/trusted.c lib/auth/trusted.h \
	lib/auth/spf.c lib/auth/spf.h \
	lib/auth/reporter_auth.c lib/auth/reporter_auth.h
lib_auth_libmpauth_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
lib_auth_libmpauth_a_CPPFLAGS = $(AUTH_CPPFLAGS) $(MP_DEFS)

# Code over libmpauth: its include path (this folder and the ones below
# it that it uses) and what a program linking it needs after it.
AUTH_CPPFLAGS = -I$(top_srcdir)/lib/auth -I$(top_srcdir)/lib/dkim \
	-I$(top_srcdir)/lib/route -I$(top_srcdir)/lib/mail -I$(top_srcdir)/lib/core
AUTH_LIBS = lib/auth/libmpauth.a $(DKIM_LIBS) $(ROUTE_LIBS) $(SPF2_LIBS) \
	$(GMIME_LIBS)
