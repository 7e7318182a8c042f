# libmpstate: what meldpunt remembers across messages: the state database
# (statedb.c) and the notification dedup/rate records in it (seen.c). GDBM.
noinst_LIBRARIES += lib/libmpstate.a
lib_libmpstate_a_SOURCES = \
	lib/statedb.c lib/statedb.h \
	lib/seen.c lib/seen.h

# What a program linking libmpstate needs after it.
STATE_LIBS = lib/libmpstate.a $(CORE_LIBS) $(GDBM_LIBS) $(PTHREAD_LIBS)
