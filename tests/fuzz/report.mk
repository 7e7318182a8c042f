# libFuzzer target for the report parsers (configure --enable-fuzzing, clang).
EXTRA_DIST += tests/fuzz/report.seeds
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-report
tests_fuzz_fuzz_report_SOURCES = tests/fuzz/fuzz-report.c
tests_fuzz_fuzz_report_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
tests_fuzz_fuzz_report_LDADD = $(REPORT_LIBS)
tests_fuzz_fuzz_report_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif

# libFuzzer targets for the list readers: CSV (libcsv and the row states)
# and zip (libzip and the limits). Seeds: tests/fuzz/{csv,zip}.seeds.
EXTRA_DIST += tests/fuzz/csv.seeds tests/fuzz/zip.seeds tests/fuzz/csv-corpus \
	tests/fuzz/zip-corpus tests/fuzz/regress/csv tests/fuzz/regress/zip
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-csv tests/fuzz/fuzz-zip
tests_fuzz_fuzz_csv_SOURCES = tests/fuzz/fuzz-csv.c
tests_fuzz_fuzz_csv_LDADD = $(REPORT_LIBS)
tests_fuzz_fuzz_csv_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_zip_SOURCES = tests/fuzz/fuzz-zip.c
tests_fuzz_fuzz_zip_LDADD = $(REPORT_LIBS)
tests_fuzz_fuzz_zip_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
endif
