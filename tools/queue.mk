# meldpunt-queue: the pending rows of list reports, per group
# (meldpunt-queue(8)).
sbin_PROGRAMS += tools/meldpunt-queue
tools_meldpunt_queue_SOURCES = tools/meldpunt-queue.c
tools_meldpunt_queue_CFLAGS = $(AM_CFLAGS)
tools_meldpunt_queue_LDADD = $(DAEMON_LIBS)
dist_man_MANS += man/meldpunt-queue.8
