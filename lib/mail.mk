# libmpmail: mail syntax over core. Addresses, IPs and prefixes (addr),
# header/body splitting (msgsplit), the MIME message under limits
# (message, GMime), encodings (encode).
noinst_LIBRARIES += lib/libmpmail.a
lib_libmpmail_a_SOURCES = \
	lib/addr.c lib/addr.h \
	lib/msgsplit.c lib/msgsplit.h \
	lib/message.c lib/message.h \
	lib/encode.c lib/encode.h
lib_libmpmail_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)

# What a program linking libmpmail needs after it.
MAIL_LIBS = lib/libmpmail.a $(CORE_LIBS) $(GMIME_LIBS)
