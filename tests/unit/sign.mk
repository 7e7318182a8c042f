# Tests for libmpsign: Check unit tests and the dkimpy cross-check.
check_PROGRAMS += tests/unit/mp-sign-tool
tests_unit_mp_sign_tool_SOURCES = tests/unit/mp-sign-tool.c
tests_unit_mp_sign_tool_CFLAGS = $(AM_CFLAGS)
tests_unit_mp_sign_tool_LDADD = $(SIGN_LIBS)
