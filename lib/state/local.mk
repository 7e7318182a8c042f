# libmpstate: what meldpunt remembers across messages: the state database
# (statedb.c) and the notification dedup/rate records in it (seen.c; for
# the rows of list reports, in buckets: listseen.c), what
# each notification was (notices.c), contact health from bounces (health.c),
# the rows of list reports waiting for the sender (pending.c), the
# notifications' ticket numbers (tickets.c), the sender's notifications
# until the MTA has them (outbox.c). GDBM.
#
# Layer: state, over core only; beside report, route, dkim.
noinst_LIBRARIES += lib/state/libmpstate.a
lib_state_libmpstate_a_SOURCES = \
	lib/state/statedb.c lib/state/statedb.h \
	lib/state/seen.c lib/state/seen.h lib/state/seen_int.h \
	lib/state/listseen.c lib/state/listseen.h \
	lib/state/notices.c lib/state/notices.h \
	lib/state/health.c lib/state/health.h \
	lib/state/pending.c lib/state/pending.h \
	lib/state/tickets.c lib/state/tickets.h \
	lib/state/outbox.c lib/state/outbox.h
lib_state_libmpstate_a_CPPFLAGS = $(STATE_CPPFLAGS) $(MP_DEFS)

# Code over libmpstate: its include path (this folder and the ones below
# it that it uses) and what a program linking it needs after it.
STATE_CPPFLAGS = -I$(top_srcdir)/lib/state -I$(top_srcdir)/lib/core
STATE_LIBS = lib/state/libmpstate.a $(CORE_LIBS) $(GDBM_LIBS) $(PTHREAD_LIBS)
