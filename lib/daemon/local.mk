# libmpdaemon: what the milter runs on, over every other layer: the
# configuration (conf.c) and its snapshot, the envelope of one message, flow
# classification, the outcome vocabulary (outcome.c), the plan, the intake
# and end-of-message decisions, the counters (stats.c), and the sender of
# list notifications (sender.c) with its SMTP submission (submit.c).
#
# Layer: daemon, the top of lib/, over auth, notify and state (and through
# them everything else). conf, envelope, flow, plan and stats used to sit in
# libmpcore; eom in libmpdaemon with statedb, which is now lib/state.
noinst_LIBRARIES += lib/daemon/libmpdaemon.a
lib_daemon_libmpdaemon_a_SOURCES = \
	lib/daemon/conf.c lib/daemon/conf.h \
	lib/daemon/snapshot.c lib/daemon/snapshot.h \
	lib/daemon/envelope.c lib/daemon/envelope.h \
	lib/daemon/flow.c lib/daemon/flow.h \
	lib/daemon/outcome.c lib/daemon/outcome.h \
	lib/daemon/plan.c lib/daemon/plan.h \
	lib/daemon/intake.c lib/daemon/intake.h \
	lib/daemon/bounceflow.c lib/daemon/bounceflow.h \
	lib/daemon/pendrow.c lib/daemon/pendrow.h \
	lib/daemon/replyflow.c lib/daemon/replyflow.h \
	lib/daemon/eom.c lib/daemon/eom.h \
	lib/daemon/stats.c lib/daemon/stats.h \
	lib/daemon/submit.c lib/daemon/submit.h \
	lib/daemon/submit_pool.c lib/daemon/submit_pool.h \
	lib/daemon/sender.c lib/daemon/sender.h
lib_daemon_libmpdaemon_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
lib_daemon_libmpdaemon_a_CPPFLAGS = $(DAEMON_CPPFLAGS) $(MP_DEFS)

# Code over libmpdaemon: its include path (this folder and the ones below
# it that it uses) and what a program linking it needs after it.
DAEMON_CPPFLAGS = -I$(top_srcdir)/lib/daemon -I$(top_srcdir)/lib/auth \
	-I$(top_srcdir)/lib/notify -I$(top_srcdir)/lib/state \
	-I$(top_srcdir)/lib/dkim -I$(top_srcdir)/lib/route \
	-I$(top_srcdir)/lib/report -I$(top_srcdir)/lib/mail \
	-I$(top_srcdir)/lib/core
DAEMON_LIBS = lib/daemon/libmpdaemon.a $(AUTH_LIBS) $(NOTIFY_LIBS) $(STATE_LIBS) \
	$(PTHREAD_LIBS)
