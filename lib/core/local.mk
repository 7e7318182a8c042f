# libmpcore: the lowest layer. Errors, buffers, reading files. Uses
# nothing else in lib/; everything else links it.
noinst_LIBRARIES += lib/core/libmpcore.a
lib_core_libmpcore_a_SOURCES = \
	lib/core/error.c lib/core/error.h \
	lib/core/buf.c lib/core/buf.h \
	lib/core/readfile.c lib/core/readfile.h

CORE_LIBS = lib/core/libmpcore.a
