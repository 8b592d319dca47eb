/* bus/events: envelope parsing (what every consumer relies on). */
#include "bus/events.h"
#include "core/error.h"
#include "core/json.h"

static void
test_parse (void)
{
  const char *text = "{\"type\":\"user.registered\",\"v\":1,\"id\":\"x\",\"at\":\"t\","
                     "\"actor\":\"amy\",\"data\":{\"username\":\"amy\"}}";
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelEvent) ev = reel_event_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ev->type, ==, "user.registered");
  g_assert_cmpuint (ev->v, ==, 1);
  g_assert_cmpstr (ev->actor, ==, "amy");
  g_assert_cmpstr (json_object_get_string_member (ev->data, "username"), ==, "amy");

  const char *system = "{\"type\":\"x\",\"v\":2,\"id\":\"i\",\"at\":\"t\",\"actor\":null,"
                       "\"data\":{}}";
  g_autoptr (ReelEvent) ev2 = reel_event_parse (system, strlen (system), &error);
  g_assert_no_error (error);
  g_assert_null (ev2->actor);
  g_assert_cmpuint (ev2->v, ==, 2);
}

static void
test_reject (void)
{
  const char *bad[] = {
    "",
    "[]",
    "{\"type\":\"x\"}",
    "{\"type\":\"x\",\"v\":1,\"id\":\"i\",\"at\":\"t\",\"data\":[]}",
    "{\"type\":\"x\",\"v\":0,\"id\":\"i\",\"at\":\"t\",\"data\":{}}",
    "{\"type\":\"x\",\"v\":\"1\",\"id\":\"i\",\"at\":\"t\",\"data\":{}}",
    "{\"type\":\"x\",\"v\":{},\"id\":\"i\",\"at\":\"t\",\"data\":{}}",
    "{\"type\":1,\"v\":1,\"id\":\"i\",\"at\":\"t\",\"data\":{}}",
    /* 2^32 + 1 read as version 1 (found by tests/fuzz/fuzz_event.c). */
    "{\"type\":\"x\",\"v\":4294967297,\"id\":\"i\",\"at\":\"t\",\"data\":{}}",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ReelEvent) ev = reel_event_parse (bad[i], strlen (bad[i]), &error);
      g_assert_null (ev);
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
    }
}

/* json-glib recurses once per nesting level: 200 KB of '[' would overflow
 * the stack (a one-request crash). The depth check refuses it first, and
 * brackets inside strings do not count. */
static void
test_depth (void)
{
  const gsize n = 200 * 1024;
  g_autofree char *deep = g_malloc (n);
  memset (deep, '[', n);
  g_autoptr (GError) error = NULL;
  g_assert_null (reel_json_parse_object (deep, n, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "deeper"));
  g_clear_error (&error);
  g_assert_null (reel_event_parse (deep, n, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_clear_error (&error);

  /* 64 levels are fine; 65 are not. */
  g_autoptr (GString) ok = g_string_new ("{\"a\":");
  for (int i = 1; i < REEL_JSON_MAX_DEPTH; i++)
    g_string_append_c (ok, '[');
  for (int i = 1; i < REEL_JSON_MAX_DEPTH; i++)
    g_string_append_c (ok, ']');
  g_string_append (ok, ",\"s\":\"[[[[\\\"[[\"}");
  g_autoptr (JsonObject) o = reel_json_parse_object (ok->str, ok->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (o);
  g_assert_true (reel_json_check_text (ok->str, ok->len, NULL));
  g_string_insert_c (ok, 5, '[');
  g_string_insert_c (ok, ok->len - strlen (",\"s\":\"[[[[\\\"[[\"}"), ']');
  g_assert_false (reel_json_check_text (ok->str, ok->len, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (reel_json_parse_object (ok->str, ok->len, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
}

/* json-glib's scanner skips C comments and reads single-quoted strings, so
 * brackets hidden from the depth count in either would still nest in
 * json-glib: 1 MiB of "[" and a comment holding "]", repeated, overflowed
 * the stack past the depth check. Only JSON is let through. */
static void
test_not_json (void)
{
  const char *units[] = { "[/*]*/", "['\"',", "[// ]\n" };
  const char *bad[]
      = { "{\"a\":1 /* x */}", "{\"a\":'x'}", "{\"a\":1}\n// x", "var a = {}", "{\"a\":#1}" };
  for (guint u = 0; u < G_N_ELEMENTS (units); u++)
    {
      g_autoptr (GString) bomb = g_string_new ("{\"a\":");
      g_autoptr (GError) error = NULL;
      for (guint i = 0; i < 170000; i++)
        g_string_append (bomb, units[u]);
      g_assert_false (reel_json_check_text (bomb->str, bomb->len, &error));
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
      g_clear_error (&error);
      g_assert_null (reel_json_parse_object (bomb->str, bomb->len, &error));
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_null (reel_json_parse_object (bad[i], strlen (bad[i]), &error));
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
    }
  /* What JSON does allow between strings still parses; so does a BOM. */
  {
    const char *good = "\xef\xbb\xbf {\"a\" :\t[-1.5e+3, 2E-2, true,false ,null],\r\n\"b\":{}}";
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) o = reel_json_parse_object (good, strlen (good), &error);
    g_assert_no_error (error);
    g_assert_nonnull (o);
  }
}

/* Only JSON's escapes: json-glib reads \0 to \377 as octal bytes (\0 a
 * NUL, \377 not UTF-8), and a \u with fewer than four hex digits swallows
 * the next character, even a string's closing quote: ["\u123"",[[[...
 * hid its brackets in what the depth check took for a string and
 * overflowed json-glib's stack (found from fuzz_json's finding of
 * {"viion\ud83"data"...} refused with a message that was not UTF-8). */
static void
test_escapes (void)
{
  const char *bad[]
      = { "{\"t\":\"\\0\"}",     "{\"t\":\"\\377\"}", "{\"t\":\"\\x41\"}", "{\"t\":\"\\u123\"}",
          "{\"t\":\"\\u12g4\"}", "{\"t\":\"\\'\"}",   "{\"t\":\"\\u\"}" };
  const char *good = "{\"t\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u20AC\"}";
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_null (reel_json_parse_object (bad[i], strlen (bad[i]), &error));
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonObject) o = reel_json_parse_object (good, strlen (good), &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (o, "t"), ==,
                     "\" \\ / \b \f \n \r \t \xc3\xa9 \xe2\x82\xac");
  }
  {
    g_autoptr (GString) bomb = g_string_new ("{\"a\":[\"\\u123\"\",");
    g_autoptr (GError) error = NULL;
    for (guint i = 0; i < 170000; i++)
      g_string_append_c (bomb, '[');
    g_assert_null (reel_json_parse_object (bomb->str, bomb->len, &error));
    g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  }
}

/* Bare tokens are JSON's: json-glib's scanner also reads hex and octal
 * numbers and identifiers, and turns a number too large for a double into
 * infinity, which it writes back as "inf" (found by fuzz_json with
 * 1e4003, and by fuzz_actions: an action holding one was stored in a
 * record no consumer could parse). */
static void
test_numbers (void)
{
  const char *bad[] = { "1e400",
                        "-1e400",
                        "9223372036854775808",
                        "-9223372036854775809",
                        "0x10",
                        "017",
                        "01",
                        "1.",
                        ".5",
                        "+1",
                        "-",
                        "1e",
                        "NaN",
                        "Infinity",
                        "nul",
                        "truex",
                        "1.5.2",
                        "--1" };
  const char *good[] = {
    "0",    "-0",    "1.5e-3", "9223372036854775807", "-9223372036854775808", "1E+2", "1e-400",
    "true", "false", "null"
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"n\":%s}", bad[i]);
      g_autoptr (GError) error = NULL;
      g_assert_null (reel_json_parse_object (text, strlen (text), &error));
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
    }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"n\":[%s,%s]}", good[i], good[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) o = reel_json_parse_object (text, strlen (text), &error);
      g_autofree char *back = NULL;
      g_assert_no_error (error);
      back = reel_json_object_to_string (o);
      g_assert_null (strstr (back, "inf"));
    }
}

/* json-glib 1.6 writes 1e-22 as "1e-22.0" (json-glib #67; found by
 * fuzz_json): reel's writer drops the ".0", and only there. */
static void
test_write_doubles (void)
{
  const double values[] = { 1e-22, 1e-7, -1e-22, 1e40, 1e300, 1.5, 2.0, 0.0, 1e17, 1.25e-5 };
  g_autoptr (JsonObject) o = json_object_new ();
  g_autoptr (JsonArray) a = json_array_new ();
  g_autofree char *text = NULL;
  g_autoptr (JsonObject) back = NULL;
  g_autoptr (GError) error = NULL;
  JsonArray *read;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    json_array_add_double_element (a, values[i]);
  json_object_set_array_member (o, "d", json_array_ref (a));
  json_object_set_string_member (o, "s", "1e-07.0 true.0 \"e5.0\"");
  text = reel_json_object_to_string (o);
  back = reel_json_parse_object (text, strlen (text), &error);
  g_assert_no_error (error);
  read = json_object_get_array_member (back, "d");
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_assert_cmpfloat (json_array_get_double_element (read, i), ==, values[i]);
  g_assert_cmpstr (json_object_get_string_member (back, "s"), ==, "1e-07.0 true.0 \"e5.0\"");
}

/* json-glib quotes the token it stopped at, cut at a byte count that can
 * split a character; reel's message, which goes out in a JSON error body,
 * stays UTF-8 (found by tests/fuzz/fuzz_job.c: "...0000, \u00e9hunk_ns"
 * was quoted as "...0000, \xc3"). */
static void
test_parse_error_utf8 (void)
{
  for (guint n = 0; n < 40; n++)
    {
      /* A string where a ':' cannot follow it: json-glib quotes it. */
      g_autofree char *pad = g_strnfill (n, 'x');
      g_autofree char *bad = g_strdup_printf ("{\"a\": \"%s\xc3\xa9\xc3\xa9\xc3\xa9\": 1}", pad);
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) o = reel_json_parse_object (bad, strlen (bad), &error);
      g_assert_null (o);
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
}

/* json-glib 1.6 parses a second top-level object or array over the first
 * and leaks the first (found by tests/fuzz/fuzz_json.c as a leak of
 * 77777777777777777{"":[1,"}"]}): {...}{} leaked a whole body a request.
 * Whatever follows the one value is refused before json-glib sees it. */
static void
test_one_value (void)
{
  const char *bad[] = { "{\"a\":1}{}", "{\"a\":1} []",   "7{\"a\":1}", "\"x\"{}",
                        "{\"a\":1} 7", "{\"a\":1}\"x\"", "[]]",        "{}\n{}" };
  const char *good[] = { " {\"a\":\"}{\"} \r\n", "{\"a\":[{},{}]}\t" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_null (reel_json_parse_object (bad[i], strlen (bad[i]), &error));
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "more than one value"));
    }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) o = reel_json_parse_object (good[i], strlen (good[i]), &error);
      g_assert_no_error (error);
    }
}

/* json-glib decodes a lone UTF-16 surrogate escape into three bytes that
 * are not UTF-8 (found by tests/fuzz/fuzz_json.c): a comment holding one
 * was accepted, and its event then refused by every consumer. Pairs stay
 * fine; an escaped backslash before "udc4d" is plain text. */
static void
test_surrogates (void)
{
  const char *bad[] = {
    "{\"t\":\"a\\udc4d\"}",        /* a low surrogate alone */
    "{\"t\":\"a\\ud83d\"}",        /* a high one at the end of a string */
    "{\"t\":\"\\ud83dx\\udc4d\"}", /* split by a character */
    "{\"t\":\"\\ud83d\\ud83d\"}",  /* two high ones */
    "{\"t\":\"\\udc4d\\ud83d\"}",  /* a pair in the wrong order */
    "{\"t\":\"\\uDBFF\\u0041\"}",  /* upper case, then no low one */
  };
  const char *good[] = {
    "{\"t\":\"\\ud83d\\udc4d\"}",
    "{\"t\":\"\\uD83D\\uDC4D \\ud7ff \\ue000\"}",
    "{\"t\":\"\\\\udc4d\"}",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) o = reel_json_parse_object (bad[i], strlen (bad[i]), &error);
      g_assert_null (o);
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "surrogate"));
    }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) o = reel_json_parse_object (good[i], strlen (good[i]), &error);
      g_assert_no_error (error);
      g_assert_true (g_utf8_validate (json_object_get_string_member (o, "t"), -1, NULL));
    }
}

static void
test_subject (void)
{
  g_autofree char *s = reel_event_subject ("user", "amy");
  g_assert_cmpstr (s, ==, "reel.ev.user.amy");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/events/parse", test_parse);
  g_test_add_func ("/events/reject", test_reject);
  g_test_add_func ("/events/subject", test_subject);
  g_test_add_func ("/json/depth", test_depth);
  g_test_add_func ("/json/surrogates", test_surrogates);
  g_test_add_func ("/json/not-json", test_not_json);
  g_test_add_func ("/json/one-value", test_one_value);
  g_test_add_func ("/json/escapes", test_escapes);
  g_test_add_func ("/json/parse-error-utf8", test_parse_error_utf8);
  g_test_add_func ("/json/numbers", test_numbers);
  g_test_add_func ("/json/write-doubles", test_write_doubles);
  return g_test_run ();
}
