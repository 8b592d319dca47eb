/* See tus_headers.h. */
#include "http/tus_headers.h"
#include "core/error.h"
#include "core/text.h"

#include <string.h>

gboolean
reel_tus_parse_offset (const char *name, const char *value, guint64 *out, GError **error)
{
  if (!reel_text_to_uint (value, 0, G_MAXINT64, out))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s must be a non-negative integer",
                   name);
      return FALSE;
    }
  return TRUE;
}

/* tus: a key is not empty and holds no space or comma, and SHOULD be
 * ASCII. reel asks for printable ASCII, so a key quoted in an error message
 * (which goes out as JSON, and must be UTF-8) is quoted as it was sent. */
static gboolean
key_valid (const char *key)
{
  for (const char *p = key; *p; p++)
    if (!g_ascii_isgraph (*p))
      return FALSE;
  return TRUE;
}

GHashTable *
reel_tus_parse_metadata (const char *header, GError **error)
{
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto (GStrv) pairs = NULL;
  if (!header)
    return g_steal_pointer (&meta);
  pairs = g_strsplit (header, ",", REEL_TUS_METADATA_MAX_PAIRS);
  for (guint i = 0; pairs[i]; i++)
    {
      g_auto (GStrv) kv = g_strsplit (g_strstrip (pairs[i]), " ", 2);
      g_autofree guchar *value = NULL;
      gsize len = 0;
      if (!kv[0] || !*kv[0])
        continue;
      if (!key_valid (kv[0]))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "Upload-Metadata keys must be printable ASCII");
          return NULL;
        }
      if (kv[1])
        {
          value = g_base64_decode (kv[1], &len);
          if (!g_utf8_validate ((const char *)value, (gssize)len, NULL) || memchr (value, 0, len))
            {
              g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                           "Upload-Metadata \"%s\" is not base64 of UTF-8 text", kv[0]);
              return NULL;
            }
        }
      g_hash_table_insert (meta, g_strdup (kv[0]),
                           g_strndup (value ? (const char *)value : "", len));
    }
  return g_steal_pointer (&meta);
}
