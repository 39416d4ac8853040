// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "json.h"
#include "tap.h"

/* The escaped form of @len bytes at @in, checked to be valid JSON. */
static void check_escape(const char *in, size_t len, const char *want, const char *name)
{
	struct capture c;
	const char *out;

	json_write_escaped(capture_begin(&c), in, len);
	out = capture_end(&c);
	tap_streq(out, want, "json escape: %s", name);
	CHECK(json_valid(out, strlen(out)), "json escape: %s is valid JSON", name);
	capture_free(&c);
}

static void test_escapes(void)
{
	check_escape("curl", 4, "\"curl\"", "plain ASCII");
	check_escape("a\"b", 3, "\"a\\\"b\"", "quote");
	check_escape("a\\b", 3, "\"a\\\\b\"", "backslash");
	check_escape("a\nb\tc\r", 6, "\"a\\nb\\tc\\r\"", "newline, tab, CR");
	check_escape("\x01\x1f", 2, "\"\\u0001\\u001f\"", "control bytes");
	check_escape("\x7f", 1, "\"\\u007f\"", "DEL");
	check_escape("a\0b", 3, "\"a\\u0000b\"", "NUL inside");
	check_escape("\xff", 1, "\"\\u00ff\"", "invalid byte 0xff");
	check_escape("\xc3\xa9", 2, "\"\xc3\xa9\"", "valid UTF-8 e-acute kept");
	check_escape("\xe2\x82\xac", 3, "\"\xe2\x82\xac\"", "valid 3-byte euro sign kept");
	check_escape("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"", "valid 4-byte emoji kept");
	check_escape("\xc3", 1, "\"\\u00c3\"", "truncated 2-byte sequence");
	check_escape("\xe2\x82", 2, "\"\\u00e2\\u0082\"", "truncated 3-byte sequence");
	check_escape("\xc0\xaf", 2, "\"\\u00c0\\u00af\"", "overlong slash");
	check_escape("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"", "UTF-16 surrogate");
	check_escape("\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\"",
		     "above U+10FFFF");
	check_escape("\x80x", 2, "\"\\u0080x\"", "lone continuation byte");
}

/* Every single byte and every byte pair: the output must always be valid. */
static void test_all_bytes(void)
{
	struct capture c;
	const char *out;
	char in[2];
	bool all_ok = true;
	int a, b;

	for (a = 0; a < 256; a++) {
		for (b = 0; b < 256; b++) {
			in[0] = a;
			in[1] = b;
			json_write_escaped(capture_begin(&c), in, 2);
			out = capture_end(&c);
			if (!json_valid(out, strlen(out)))
				all_ok = false;
			capture_free(&c);
		}
	}
	CHECK(all_ok, "json escape: all 65536 byte pairs give valid JSON");
}

static void test_writer(void)
{
	struct capture c;
	struct json j;
	const char *out;

	json_init(&j, capture_begin(&c));
	json_object_begin(&j, NULL);
	json_u64(&j, "a", 18446744073709551615ull);
	json_array_begin(&j, "b");
	json_u64(&j, NULL, 1);
	json_null(&j, NULL);
	json_object_begin(&j, NULL);
	json_object_end(&j);
	json_array_end(&j);
	json_string(&j, "c", NULL);
	json_bool(&j, "d", true);
	json_double(&j, "e", 0.5);
	json_object_end(&j);
	out = capture_end(&c);
	tap_streq(out, "{\"a\":18446744073709551615,\"b\":[1,null,{}],\"c\":null,"
		  "\"d\":true,\"e\":0.5}", "json writer: nesting and commas");
	capture_free(&c);
}

static void test_validator(void)
{
	static const char *const bad[] = {
		"{", "{\"a\":}", "[1,]", "\"\x01\"", "\"\xff\"", "01", "{\"a\" 1}", "nul",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!json_valid(bad[i], strlen(bad[i])), "json validator rejects bad input %zu", i);
	const char *good = "{\"a\":[1,-2.5e3,true,null,\"\\u00e9\"], \"b\" : {}}";

	CHECK(json_valid(good, strlen(good)), "json validator accepts good input");
}

void test_json(void)
{
	test_escapes();
	test_all_bytes();
	test_writer();
	test_validator();
}
