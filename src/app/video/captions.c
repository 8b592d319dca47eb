/* See captions.h. */
#include "app/video/captions.h"
#include "app/video/videos.h"
#include "bus/events.h"
#include "core/error.h"
#include "core/json.h"
#include "core/webvtt.h"
#include "store/blob_keys.h"

#include <string.h>

static gboolean
check_lang (const char *lang, GError **error)
{
  if (reel_captions_lang_valid (lang))
    return TRUE;
  g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
               "\"%s\" is not a language tag such as en, fr or pt-BR", lang);
  return FALSE;
}

/* Deletes the blob of a replaced or removed track; a failure only leaves
 * a small orphan behind. */
static void
drop_file (ReelBlobs *blobs, const char *id, const char *file)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *key = reel_blob_key_video_file (id, file);
  if (!reel_blobs_delete (blobs, key, &error))
    g_warning ("captions of %s: cannot delete %s: %s", id, file, error->message);
}

static gboolean
publish (ReelBus *bus, const char *user, const char *id, const char *lang, const char *file,
         guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = reel_event_subject ("video", id);
  json_object_set_string_member (data, "video_id", id);
  json_object_set_string_member (data, "lang", lang);
  if (file)
    json_object_set_string_member (data, "file", file);
  return reel_events_publish (bus, subject, "video.captions", 1, user, data, FALSE, seq, error);
}

gboolean
reel_captions_put (ReelBus *bus, ReelStore *store, ReelBlobs *blobs, const char *user,
                   const char *id, const char *lang, const char *data, gsize len, guint64 *seq,
                   GError **error)
{
  g_autoptr (ReelVideo) v = NULL;
  g_autofree char *vtt = NULL, *file = NULL, *key = NULL, *old = NULL;
  g_autoptr (GBytes) bytes = NULL;
  const ReelCaption *had;

  if (!check_lang (lang, error) || !(v = reel_videos_owned (store, user, id, error))
      || !(vtt = reel_captions_normalize (data, len, NULL, error)))
    return FALSE;
  /* A new name per upload: the old one may sit in caches. */
  file = g_strdup_printf ("captions-%s-%" G_GINT64_FORMAT ".vtt", lang, g_get_real_time ());
  key = reel_blob_key_video_file (id, file);
  bytes = g_bytes_new_take (vtt, strlen (vtt));
  vtt = NULL;
  if (!reel_blobs_put (blobs, key, bytes, error))
    return FALSE;
  had = reel_video_caption (v, lang);
  old = had ? g_strdup (had->file) : NULL;
  if (!publish (bus, user, id, lang, file, seq, error))
    {
      drop_file (blobs, id, file);
      return FALSE;
    }
  if (old)
    drop_file (blobs, id, old);
  return TRUE;
}

gboolean
reel_captions_delete (ReelBus *bus, ReelStore *store, ReelBlobs *blobs, const char *user,
                      const char *id, const char *lang, guint64 *seq, GError **error)
{
  g_autoptr (ReelVideo) v = NULL;
  g_autofree char *old = NULL;
  const ReelCaption *had;
  if (!check_lang (lang, error) || !(v = reel_videos_owned (store, user, id, error)))
    return FALSE;
  if (!(had = reel_video_caption (v, lang)))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no captions in %s", lang);
      return FALSE;
    }
  old = g_strdup (had->file);
  if (!publish (bus, user, id, lang, NULL, seq, error))
    return FALSE;
  drop_file (blobs, id, old);
  return TRUE;
}
