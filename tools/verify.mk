# meldpunt-verify: check a saved notification (meldpunt-verify(1)).
bin_PROGRAMS += tools/meldpunt-verify
tools_meldpunt_verify_SOURCES = tools/meldpunt-verify.c
tools_meldpunt_verify_CFLAGS = $(AM_CFLAGS)
tools_meldpunt_verify_LDADD = $(AUTH_LIBS)
dist_man_MANS += man/meldpunt-verify.1 man/meldpunt-identity.5
