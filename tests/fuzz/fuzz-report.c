/*
 * fuzz-report - libFuzzer target: raw bytes into mp_report_parse_buffer()
 * (MIME message or bare JSON), the way the milter and meldpunt-parse
 * feed it. Seeds: tests/fuzz/report.seeds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <gmime/gmime.h>

#include "message.h"
#include "report.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_mime_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_message_limits lim;
	struct mp_report *r = NULL;
	struct mp_error err;

	mp_message_limits_default(&lim);
	if (mp_report_parse_buffer(data, size, &lim, &r, &err) == MP_OK) {
		/* Touch what a notification would use. */
		if (r->source_ip != NULL && strchr(r->source_ip, '\n') != NULL)
			__builtin_trap();
		if (r->report_id != NULL && strpbrk(r->report_id, "\r\n") != NULL)
			__builtin_trap();
		if (r->evidence.len > size)
			__builtin_trap();
	} else if (r != NULL || strncmp(err.msg, "not a report: ", 14) != 0) {
		if (err.code != MP_ENOMEM)
			__builtin_trap();
	}
	mp_report_free(&r);
	return 0;
}
