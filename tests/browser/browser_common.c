/* See browser_common.h. */
#include "browser_common.h"

#include <glib/gstdio.h>

/* Runs watch.mjs on url until the video is past past_s, logged in as
 * username with token (both NULL: anonymous). */
JsonObject *
run_page_full (const char *script, const char *url, double past_s, const char *token,
               const char *username, const char *resume)
{
  g_autofree char *path
      = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests", "browser", script, NULL);
  g_autofree char *past = g_strdup_printf ("%.1f", past_s);
  const char *argv[] = { "node", path, url, past, "60", token, username, resume, NULL };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *err = NULL;
  int status;
  g_autofree char *out = reel_test_run_env (argv, NULL, &err, &status);
  g_test_message ("%s said: %s %s", script, out ? out : "", err ? err : "");
  g_assert_nonnull (out);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  g_assert_cmpint (status, ==, 0);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

JsonObject *
run_page (const char *script, const char *url, double past_s, const char *token,
          const char *username)
{
  return run_page_full (script, url, past_s, token, username, NULL);
}

/* What a page script saw: no error from the video element, hls.js, the
 * page or the network. */
void
assert_no_errors (JsonObject *r)
{
  g_assert_true (json_object_get_boolean_member (r, "ok"));
  g_assert_true (json_node_is_null (json_object_get_member (r, "mediaError")));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "playerErrors")), ==,
                    0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "consoleErrors")), ==,
                    0);
}

/* What watch.mjs saw: the video played past the asked time with no error. */
void
assert_played (JsonObject *r, const char *title)
{
  assert_no_errors (r);
  g_assert_cmpfloat (json_object_get_double_member (r, "currentTime"), >, FIRST_BOUNDARY_S + 0.5);
  g_assert_cmpint (json_object_get_int_member (r, "videoHeight"), >, 0);
  g_assert_cmpstr (json_object_get_string_member (r, "title"), ==, title);
}

/* A member of the script's report by a dotted path ("watch.after.videoWidth",
 * "bob.feed.0"); asserts that it is there. */
JsonNode *
at (JsonObject *r, const char *dotted)
{
  g_auto (GStrv) parts = g_strsplit (dotted, ".", -1);
  JsonNode *node = NULL;
  JsonObject *obj = r;
  JsonArray *arr = NULL;
  for (guint i = 0; parts[i]; i++)
    {
      if (arr)
        {
          guint64 idx = g_ascii_strtoull (parts[i], NULL, 10);
          g_assert_cmpuint (idx, <, json_array_get_length (arr));
          node = json_array_get_element (arr, (guint)idx);
        }
      else
        {
          g_assert_nonnull (obj);
          if (!json_object_has_member (obj, parts[i]))
            g_error ("the report has no %s", dotted);
          node = json_object_get_member (obj, parts[i]);
        }
      obj = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      arr = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
    }
  return node;
}

double
num (JsonObject *r, const char *dotted)
{
  return json_node_get_double (at (r, dotted));
}

const char *
str (JsonObject *r, const char *dotted)
{
  return json_node_get_string (at (r, dotted));
}

guint
len (JsonObject *r, const char *dotted)
{
  return json_array_get_length (json_node_get_array (at (r, dotted)));
}

/* Whether one string of the array at dotted contains needle. */
gboolean
any_contains (JsonObject *r, const char *dotted, const char *needle)
{
  JsonArray *a = json_node_get_array (at (r, dotted));
  for (guint i = 0; i < json_array_get_length (a); i++)
    if (strstr (json_array_get_string_element (a, i), needle))
      return TRUE;
  return FALSE;
}

/* The heights of a JSON array of rungs, "360,240". */
char *
heights (JsonObject *r, const char *member)
{
  JsonArray *a = json_object_get_array_member (r, member);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (a); i++)
    g_string_append_printf (out, "%s%" G_GINT64_FORMAT, i ? "," : "",
                            json_array_get_int_element (a, i));
  return g_string_free (out, FALSE);
}

/* The strings of array member of r, comma-separated. */
char *
strings_of (JsonObject *r, const char *member)
{
  JsonArray *a = json_object_get_array_member (r, member);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (a); i++)
    g_string_append_printf (out, "%s%s", i ? "," : "", json_array_get_string_element (a, i));
  return g_string_free (out, FALSE);
}

void
assert_contains (const char *haystack, const char *needle)
{
  if (!strstr (haystack, needle))
    g_error ("\"%s\" does not contain \"%s\"", haystack, needle);
}

JsonObject *
get_json (guint16 port, const char *path, const char *token)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (port, "GET", path, token, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_nonnull (r->json);
  return json_object_ref (json_node_get_object (r->json));
}
