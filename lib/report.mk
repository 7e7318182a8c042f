# Report parsing (ARF, X-ARF, XARF): see issue "Report parsing".
# libmpreport: the report parsers over mail's MIME message (message.c).
# GMime, libyaml, jansson; no libmilter.
noinst_LIBRARIES += lib/libmpreport.a
lib_libmpreport_a_SOURCES = \
	lib/report.c lib/report.h lib/report_int.h \
	lib/report_util.c lib/report_parse.c \
	lib/report_arf.c lib/report_xarf.c lib/report_json.c
lib_libmpreport_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS) $(YAML_CFLAGS) \
	$(JANSSON_CFLAGS)

# What a program linking libmpreport needs after it.
REPORT_LIBS = lib/libmpreport.a $(MAIL_LIBS) $(YAML_LIBS) $(JANSSON_LIBS)
