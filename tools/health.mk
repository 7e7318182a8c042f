# meldpunt-health: list, show and reset contact health records (health.h).
sbin_PROGRAMS += tools/meldpunt-health
tools_meldpunt_health_SOURCES = tools/meldpunt-health.c
tools_meldpunt_health_LDADD = $(DAEMON_LIBS)
dist_man_MANS += man/meldpunt-health.8
