/*
 * libFuzzer target: the meldpunt.conf parser (mp_conf_parse), the Socket
 * check, and freeing what parsed. A config file is outside bytes: an
 * operator's typo, or a file a package or a template wrote.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_conf *c;
	struct mp_error err;

	c = mp_conf_parse("fuzz.conf", (const char *)data, size, &err);
	if (c == NULL) {
		/* The sentence must be a terminated string. */
		(void)strlen(err.msg);
		return 0;
	}
	if (c->socket != NULL)
		(void)mp_conf_check_socket(c->socket, &err);
	mp_conf_free(&c);
	return 0;
}
