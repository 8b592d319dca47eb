/* See blob_keys.h. */
#include "store/blob_keys.h"

#include <string.h>

#define ORIGINALS "originals"
#define VIDEOS "videos"
/* Bytes of randomness in a custom poster's name: enough that two never
 * collide for one video. */
#define POSTER_TOKEN_BYTES 6
#define POSTER_PREFIX "poster-"
#define SMALL_SUFFIX "-small.jpg"

char *
reel_poster_new_file (void)
{
  g_autoptr (GString) s = g_string_new (POSTER_PREFIX);
  for (guint i = 0; i < POSTER_TOKEN_BYTES; i++)
    g_string_append_printf (s, "%02x", g_random_int_range (0, 256));
  g_string_append (s, ".jpg");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Whether file is poster-<hex>, the hex of a custom poster's token,
 * followed by suffix. */
static gboolean
custom_with_suffix (const char *file, const char *suffix)
{
  const char *p
      = file && g_str_has_prefix (file, POSTER_PREFIX) ? file + strlen (POSTER_PREFIX) : NULL;
  guint digits = 0;
  for (; p && g_ascii_isxdigit (*p); p++)
    digits++;
  return digits == 2 * POSTER_TOKEN_BYTES && p && g_str_equal (p, suffix);
}

gboolean
reel_poster_file_valid (const char *file)
{
  return g_strcmp0 (file, REEL_POSTER_FILE) == 0 || custom_with_suffix (file, ".jpg");
}

char *
reel_poster_small_file (const char *file)
{
  g_autofree char *stem = g_strndup (file, strlen (file) - strlen (".jpg"));
  return g_strconcat (stem, SMALL_SUFFIX, NULL);
}

gboolean
reel_poster_file_replaceable (const char *file)
{
  return custom_with_suffix (file, ".jpg") || custom_with_suffix (file, SMALL_SUFFIX);
}

char *
reel_blob_key_work (const char *work_id)
{
  return g_strconcat ("works/", work_id, NULL);
}

char *
reel_blob_key_original (const char *video_id)
{
  return g_strconcat (ORIGINALS "/", video_id, NULL);
}

char *
reel_blob_key_video_file (const char *video_id, const char *file)
{
  return g_strconcat (VIDEOS "/", video_id, "/", file, NULL);
}

char *
reel_blob_key_segment (const char *video_id, const char *rendition, const char *file)
{
  return g_strconcat (VIDEOS "/", video_id, "/", rendition, "/", file, NULL);
}

char *
reel_blob_key_media_segment (const char *video_id, const char *rendition, guint index)
{
  return g_strdup_printf (VIDEOS "/%s/%s/%u.m4s", video_id, rendition, index);
}

char *
reel_blob_key_video_prefix (const char *video_id)
{
  return g_strconcat (VIDEOS "/", video_id, "/", NULL);
}

ReelBlobKeyKind
reel_blob_key_parse (const char *key, char **video_id, const char **file)
{
  /* One part more than any layout has, so a deeper key is seen as such. */
  g_auto (GStrv) parts = g_strsplit (key, "/", 5);
  guint n = g_strv_length (parts);
  ReelBlobKeyKind kind = REEL_BLOB_KEY_OTHER;

  if (n == 2 && g_str_equal (parts[0], ORIGINALS))
    kind = REEL_BLOB_KEY_ORIGINAL;
  else if (n == 3 && g_str_equal (parts[0], VIDEOS))
    kind = REEL_BLOB_KEY_VIDEO_FILE;
  else if (n == 4 && g_str_equal (parts[0], VIDEOS))
    kind = REEL_BLOB_KEY_SEGMENT;
  else if (n >= 2 && (g_str_equal (parts[0], ORIGINALS) || g_str_equal (parts[0], VIDEOS)))
    kind = REEL_BLOB_KEY_OF_VIDEO;
  if (kind == REEL_BLOB_KEY_OTHER || !*parts[1])
    return REEL_BLOB_KEY_OTHER;
  *video_id = g_strdup (parts[1]);
  *file = strrchr (key, '/') + 1;
  return kind;
}
