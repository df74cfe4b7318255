/* test-json.c — kassa_json_is_one_object(): JSON from outside, before json-glib
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every refusal here is text json-glib 1.6 accepts or fails on with a leak
 * (docs/fuzzing.md); the replies and pushes built on it are in
 * test-bank-reply.c, test-push.c and fuzz/corpus/.
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "kassa-json-private.h"
#include "kassa-test-util.h"

static gboolean
is_one_object (const char *text)
{
  /* Exactly the text's bytes, not NUL-terminated, so ASan sees a read past them. */
  gsize length = strlen (text);
  g_autofree char *copy = g_memdup2 (text, length);

  return kassa_json_is_one_object (copy, length);
}

static void
test_accepts (void)
{
  static const char * const texts[] = {
    "{}",
    " \t\r\n{\"a\":1}\r\n ",
    "{\"header\":{\"code\":200},\"body\":{\"response\":{\"desc\":\"x\",\"status\":\"SUCCESS\"}}}",
    "{\"a\":[1,2.5,-0,1e5,1E-3,0.25e+2,true,false,null,{},[],[[]]]}",
    "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\u0000\"}",
    "{\"\":{\"Амжилттай\":\"Гүйлгээ\"}}",
    "{\"a\":1,\"a\":2}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      g_test_message ("%s", texts[i]);
      g_assert_true (is_one_object (texts[i]));
      /* What passes is JSON json-glib reads as an object. */
      g_assert_true (json_parser_load_from_data (parser, texts[i], -1, NULL));
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
    }
}

static void
test_refuses (void)
{
  static const char * const texts[] = {
    "", "   ", "[]", "8", "\"{}\"", "null",
    /* more than one value: json-glib takes the first and leaks the rest */
    "8{}", "{}{}", "{} x", "{}]", "{\"a\":1} {\"b\":2}",
    /* JavaScript, which json-glib also reads */
    "var a = {};", "{/*c*/}", "{'a':1}", "{\"a\":0x10}", "{\"a\":01}", "{\"a\":1.}",
    "{\"a\":.5}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12G4\"}",
    /* unpaired surrogates: leaks, or bytes that are not UTF-8 */
    "{\"a\":\"\\ud800\"}", "{\"a\":\"\\ud800x\"}", "{\"a\":\"\\ud800\\u0041\"}",
    "{\"a\":\"\\udd83\\ude00\"}", "{\"a\":\"\\udc00\\ud800\"}",
    /* plainly broken */
    "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":[1,]}", "{a:1}", "{\"a\":1e}",
    "{\"a\":-}", "{\"a\":tru}", "{\"a\":\"abc", "{\"a\":\"\\", "{\"a\":[}", "{\"a\":{]}",
    "{\"a\":\"x\ty\"}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_test_message ("%s", texts[i]);
      g_assert_false (is_one_object (texts[i]));
    }
}

static void
test_depth (void)
{
  g_autoptr(GString) text = g_string_new ("{\"a\":");

  /* The root object and 63 arrays: KASSA_JSON_MAX_DEPTH exactly. */
  for (guint i = 1; i < KASSA_JSON_MAX_DEPTH; i++)
    g_string_append_c (text, '[');
  for (guint i = 1; i < KASSA_JSON_MAX_DEPTH; i++)
    g_string_append_c (text, ']');
  g_string_append_c (text, '}');
  g_assert_true (is_one_object (text->str));

  g_string_insert_c (text, 5, '[');
  g_string_insert_c (text, text->len - 1, ']');
  g_assert_false (is_one_object (text->str));
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/json/accepts", test_accepts);
  g_test_add_func ("/json/refuses", test_refuses);
  g_test_add_func ("/json/depth", test_depth);

  return g_test_run ();
}
