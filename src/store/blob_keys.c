/* See blob_keys.h. */
#include "store/blob_keys.h"

#define ORIGINALS "originals"
#define VIDEOS "videos"

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
