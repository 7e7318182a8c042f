# libmpeom: the end-of-message decision, over every other module.
noinst_LIBRARIES += lib/libmpeom.a
lib_libmpeom_a_SOURCES = lib/eom.c lib/eom.h
