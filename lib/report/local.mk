# Report parsing (ARF, X-ARF, XARF): see issue "Report parsing".
# libmpreport: the report parsers over mail's MIME message (message.c).
# GMime, libyaml, jansson; no libmilter.
noinst_LIBRARIES += lib/report/libmpreport.a
lib_report_libmpreport_a_SOURCES = \
	lib/report/report.c lib/report/report.h lib/report/report_int.h \
	lib/report/report_util.c lib/report/report_parse.c \
	lib/report/report_arf.c lib/report/report_xarf.c lib/report/report_json.c
lib_report_libmpreport_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS) $(YAML_CFLAGS) \
	$(JANSSON_CFLAGS)

# What a program linking libmpreport needs after it.
REPORT_LIBS = lib/report/libmpreport.a $(MAIL_LIBS) $(YAML_LIBS) $(JANSSON_LIBS)
