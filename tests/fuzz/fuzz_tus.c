/* Fuzzes the tus headers a client sends (http/tus_headers.h): the input's
 * first line is an Upload-Offset / Upload-Length value, the rest an
 * Upload-Metadata header (a header holds neither NUL nor a line break).
 * Properties: an accepted offset is all digits and at most G_MAXINT64;
 * accepted metadata maps keys to UTF-8 text without NUL (what read_draft
 * stores as title, description and filename). */
#include "fuzz.h"
#include "http/tus_headers.h"

static void
check_offset (const char *value)
{
  g_autoptr (GError) error = NULL;
  guint64 n = 0;
  if (!reel_tus_parse_offset ("Upload-Offset", value, &n, &error))
    {
      reel_fuzz_check_error (error);
      return;
    }
  REEL_FUZZ_CHECK (n <= G_MAXINT64);
  REEL_FUZZ_CHECK (*value && strspn (value, "0123456789") == strlen (value));
}

static void
check_metadata (const char *header)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) meta = reel_tus_parse_metadata (header, &error);
  GHashTableIter it;
  gpointer key, value;
  if (!meta)
    {
      reel_fuzz_check_error (error);
      return;
    }
  g_hash_table_iter_init (&it, meta);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      REEL_FUZZ_CHECK (*(const char *)key);
      REEL_FUZZ_CHECK (g_utf8_validate (value, -1, NULL));
    }
}

static void
run (const uint8_t *data, size_t size)
{
  g_autofree char *text = reel_fuzz_string (data, size);
  char *nl = strchr (text, '\n');
  if (nl)
    *nl = '\0';
  check_offset (text);
  check_metadata (nl ? nl + 1 : NULL);
}

REEL_FUZZ_HARNESS (run)
