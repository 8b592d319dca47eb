/* The tus headers a client sends (http/tus_headers.h), parsed on their own:
 * what an upload's title, description and file name come from. */
#include "core/error.h"
#include "http/tus_headers.h"

#include <string.h>

static void
test_offset (void)
{
  const char *good[] = { "0", "1048576", "9223372036854775807", "007" };
  /* "\v5": GLib's g_ascii_string_to_unsigned takes it as 5 (found by
   * tests/fuzz/fuzz_tus.c). */
  const char *bad[]
      = { NULL, "", "-1", "+1", " 1", "1 ", "0x10", "1e3", "9223372036854775808", "\v5", "\v" };
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      guint64 n = G_MAXUINT64;
      g_assert_true (reel_tus_parse_offset ("Upload-Offset", good[i], &n, NULL));
      g_assert_cmpuint (n, ==, g_ascii_strtoull (good[i], NULL, 10));
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      guint64 n;
      g_assert_false (reel_tus_parse_offset ("Upload-Length", bad[i], &n, &error));
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "Upload-Length"));
    }
}

static void
test_metadata (void)
{
  g_autoptr (GError) error = NULL;
  /* As tus-js-client sends it: "title" is "Été", "is_confidential" has no
   * value; spaces around pairs and an empty last pair are tolerated. */
  g_autoptr (GHashTable) meta = reel_tus_parse_metadata (
      "filename aG9saWRheS5tcDQ=, title w4l0w6k=,is_confidential ,", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (meta), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (meta, "filename"), ==, "holiday.mp4");
  g_assert_cmpstr (g_hash_table_lookup (meta, "title"), ==, "Été");
  g_assert_cmpstr (g_hash_table_lookup (meta, "is_confidential"), ==, "");

  g_autoptr (GHashTable) none = reel_tus_parse_metadata (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (none), ==, 0);
}

/* A value must decode to UTF-8 text without NUL; a key must be printable
 * ASCII. A key in other bytes used to be quoted as it was into the error
 * message, which goes out in a JSON body and must be UTF-8 (found by
 * tests/fuzz/fuzz_tus.c with the key "\x84titl"). */
static void
test_metadata_refused (void)
{
  const char *bad[] = {
    "title /w==",       /* 0xff: not UTF-8 */
    "title YQBi",       /* "a\0b" */
    "\x84titl ZWVB",    /* a key that is not ASCII */
    "ti\ttle dGl0bGU=", /* a control character in the key */
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GHashTable) meta = reel_tus_parse_metadata (bad[i], &error);
      g_assert_null (meta);
      g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tus/offset", test_offset);
  g_test_add_func ("/tus/metadata", test_metadata);
  g_test_add_func ("/tus/metadata-refused", test_metadata_refused);
  return g_test_run ();
}
