# Report parsing (ARF, X-ARF, XARF): see issue "Report parsing".
# libmpreport: the MIME message under limits (message.c) and the report
# parsers over it. GMime, libyaml, jansson; no libmilter.
noinst_LIBRARIES += lib/libmpreport.a
lib_libmpreport_a_SOURCES = \
	lib/message.c lib/message.h \
	lib/report.c lib/report.h lib/report_int.h \
	lib/report_util.c lib/report_parse.c \
	lib/report_arf.c lib/report_xarf.c lib/report_json.c
lib_libmpreport_a_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS) $(YAML_CFLAGS) \
	$(JANSSON_CFLAGS)
# What a program linking libmpreport needs after it.
MPREPORT_LIBS = lib/libmpreport.a lib/libmpcore.a $(GMIME_LIBS) \
	$(YAML_LIBS) $(JANSSON_LIBS)
