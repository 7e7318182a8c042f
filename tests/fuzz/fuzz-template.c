/*
 * libFuzzer target: the template parser, and rendering of what parses.
 * The first byte picks subject+body or body-only parsing.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *vals[MP_TF_COUNT] = {
		[MP_TF_SOURCE_IP] = "192.0.2.1", [MP_TF_URL] = "hxxp://x[.]nl/",
		[MP_TF_TIME] = "2024-05-01 12:00:00 UTC",
	};
	struct mp_template *t = NULL;
	struct mp_error err;
	struct mp_buf s, b;

	if (size < 1)
		return 0;
	if (mp_template_parse("fuzz.tmpl", (const char *)data + 1, size - 1,
	    data[0] & 1, &t, &err) != MP_OK)
		return 0;
	mp_buf_init(&s, 1 << 20);
	mp_buf_init(&b, 1 << 20);
	(void)mp_template_render(t, vals, &s, &b);
	mp_buf_free(&s);
	mp_buf_free(&b);
	mp_template_free(&t);
	return 0;
}
