# libmpcore: the lowest layer. Errors, buffers, reading files, UTF-8 and
# printable text (text.c), RFC 3339/ISO 8601 times (datetime.c), a
# notification's ticket number as text (ticket.c). Uses
# nothing else in lib/; everything else links it.
#
# Layer: core, the lowest.
noinst_LIBRARIES += lib/core/libmpcore.a
lib_core_libmpcore_a_SOURCES = \
	lib/core/error.c lib/core/error.h \
	lib/core/buf.c lib/core/buf.h \
	lib/core/readfile.c lib/core/readfile.h \
	lib/core/text.c lib/core/text.h \
	lib/core/datetime.c lib/core/datetime.h \
	lib/core/ticket.c lib/core/ticket.h
lib_core_libmpcore_a_CPPFLAGS = $(CORE_CPPFLAGS) $(MP_DEFS)

# Code over libmpcore: its include path and what a program linking it needs
# after it.
CORE_CPPFLAGS = -I$(top_srcdir)/lib/core
CORE_LIBS = lib/core/libmpcore.a
