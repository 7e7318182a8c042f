# libmpstate: what meldpunt remembers across messages: the state database
# (statedb.c) and the notification dedup/rate records in it (seen.c). GDBM.
noinst_LIBRARIES += lib/state/libmpstate.a
lib_state_libmpstate_a_SOURCES = \
	lib/state/statedb.c lib/state/statedb.h \
	lib/state/seen.c lib/state/seen.h

# What a program linking libmpstate needs after it.
STATE_LIBS = lib/state/libmpstate.a $(CORE_LIBS) $(GDBM_LIBS) $(PTHREAD_LIBS)
