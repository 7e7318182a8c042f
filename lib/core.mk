# libmpcore: the lowest layer. Errors, buffers, reading files. Uses
# nothing else in lib/; everything else links it.
noinst_LIBRARIES += lib/libmpcore.a
lib_libmpcore_a_SOURCES = \
	lib/error.c lib/error.h \
	lib/buf.c lib/buf.h \
	lib/readfile.c lib/readfile.h

CORE_LIBS = lib/libmpcore.a
