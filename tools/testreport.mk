# meldpunt-testreport: a signed sample report for an admin's first test
# (meldpunt-testreport(1)). Signs through lib/dkim like the milter.
bin_PROGRAMS += tools/meldpunt-testreport
tools_meldpunt_testreport_SOURCES = tools/meldpunt-testreport.c
tools_meldpunt_testreport_CFLAGS = $(AM_CFLAGS)
tools_meldpunt_testreport_LDADD = $(DAEMON_LIBS)
dist_man_MANS += man/meldpunt-testreport.1
