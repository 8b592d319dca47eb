/* See playback.h. */
#include "media/playback.h"
#include "app/video/chunks.h"
#include "core/error.h"
#include "media/plan.h"

/* The manifest's name of the soundtrack's rendition. */
#define AUDIO_RENDITION "audio"
/* The init segment of renditions stored before the worker named it. */
#define DEFAULT_INIT "init-0.mp4"

/* Sets the init segment and codecs of a manifest rendition from a chunk's. */
static void
take_init (ReelRendition *out, const ReelChunkRendition *r)
{
  g_free (out->init_uri);
  g_free (out->codecs);
  out->init_uri = g_strdup_printf ("%s/%s", out->name, r->init ? r->init : DEFAULT_INIT);
  out->codecs = g_strdup (r->codecs ? r->codecs : "");
}

/* Appends a chunk's segments of one rendition; tracks the peak bitrate. */
static void
append_segments (ReelRendition *out, const ReelChunkRendition *r)
{
  for (guint i = 0; i < r->durations_ns->len; i++)
    {
      guint64 d = g_array_index (r->durations_ns, guint64, i);
      guint64 bytes = g_array_index (r->sizes, guint64, i);
      g_autofree char *uri = g_strdup_printf ("%s/%u.m4s", out->name, r->first_segment + i);
      reel_rendition_add_segment (out, d, uri);
      if (d > 0)
        out->bandwidth = MAX (out->bandwidth, (guint)(bytes * 8 * 1000000000 / d));
    }
}

/* How long a rendition's segments last together. */
static guint64
rendition_ns (const ReelRendition *r)
{
  guint64 t = 0;
  for (guint i = 0; i < r->segments->len; i++)
    t += g_array_index (r->segments, ReelSegment, i).duration_ns;
  return t;
}

/* The sound as far as the picture goes (t: the picture's duration). */
static void
trim_audio (ReelRendition *audio, guint64 video_ns)
{
  guint64 t = 0;
  guint keep = 0;
  while (keep < audio->segments->len && t < video_ns)
    t += g_array_index (audio->segments, ReelSegment, keep++).duration_ns;
  for (guint k = keep; k < audio->segments->len; k++)
    g_free (g_array_index (audio->segments, ReelSegment, k).uri);
  g_array_set_size (audio->segments, keep);
}

/* The picture as far as the sound's head goes (app/video/chunks.h:
 * ReelChunk.partial): the segments that end within it. */
static void
trim_video (ReelRendition *r, guint64 audio_ns)
{
  guint64 t = 0;
  guint keep = 0;
  while (keep < r->segments->len
         && (t += g_array_index (r->segments, ReelSegment, keep).duration_ns) <= audio_ns)
    keep++;
  for (guint k = keep; k < r->segments->len; k++)
    g_free (g_array_index (r->segments, ReelSegment, k).uri);
  g_array_set_size (r->segments, keep);
}

/* Segments served from the CDN are named there. */
static void
prefix_rendition (ReelRendition *r, const char *base)
{
  char *init = g_strconcat (base, r->init_uri, NULL);
  g_free (r->init_uri);
  r->init_uri = init;
  for (guint i = 0; i < r->segments->len; i++)
    {
      ReelSegment *s = &g_array_index (r->segments, ReelSegment, i);
      char *uri = g_strconcat (base, s->uri, NULL);
      g_free (s->uri);
      s->uri = uri;
    }
}

/* The manifest of one rendition set of the video: plan's rungs, from the
 * set's rows, chunks of them. */
static gboolean
set_manifest (ReelTxn *txn, const ReelVideo *video, const ReelVideoPlan *plan, guint set,
              guint chunks, const char *cdn_base, ReelManifest *m, GError **error)
{
  g_autoptr (ReelChunk) sound = NULL;
  guint64 video_ns = 0;

  if (!plan)
    return FALSE;
  m->video = g_ptr_array_new_with_free_func ((GDestroyNotify)reel_rendition_free);
  m->final = video->state == REEL_VIDEO_READY;
  m->duration_ns = plan->duration_ns;
  m->frame_rate_n = plan->fps_n;
  m->frame_rate_d = plan->fps_d;
  for (guint i = 0; video->captions && i < video->captions->len; i++)
    {
      const ReelCaption *c = video->captions->pdata[i];
      if (!m->captions)
        m->captions = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (m->captions, g_strdup (c->lang));
    }
  for (guint i = 0; i < plan->rungs->len; i++)
    {
      const ReelRung *rung = &g_array_index (plan->rungs, ReelRung, i);
      ReelRendition *r = reel_rendition_new (rung->name);
      r->width = rung->width;
      r->height = rung->height;
      r->bandwidth = rung->kbps * 1000;
      g_ptr_array_add (m->video, r);
    }
  if (plan->has_audio)
    {
      const ReelChunkRendition *ar;
      sound = reel_chunks_get (txn, video->id, REEL_CHUNK_AUDIO, error);
      ar = sound && sound->renditions->len ? sound->renditions->pdata[0] : NULL;
      if (!ar)
        return FALSE;
      m->audio = reel_rendition_new (AUDIO_RENDITION);
      take_init (m->audio, ar);
      m->audio->bandwidth = ar->bitrate ? ar->bitrate : REEL_AUDIO_BITRATE;
      append_segments (m->audio, ar);
    }
  for (guint c = 0; c < chunks; c++)
    {
      /* The set's rows (app/video/chunks.h). */
      g_autoptr (ReelChunk) chunk
          = reel_chunks_get (txn, video->id, REEL_CHUNK_SET_BASE (set) + c, error);
      if (!chunk)
        return FALSE;
      for (guint j = 0; j < m->video->len; j++)
        {
          ReelRendition *r = m->video->pdata[j];
          const ReelChunkRendition *cr = reel_chunk_find_rendition (chunk, r->name);
          if (!cr)
            continue;
          if (!r->init_uri && cr->init)
            take_init (r, cr);
          append_segments (r, cr);
        }
    }
  /* A rung the first chunk left out (media/plan.h) has no segments until
   * the second chunk is done: until then it is not offered, for a player
   * would wait on it (and it has no init segment or codecs to name).
   * Every rung offered plays from the start. While only the sound's head
   * is there, the picture goes no further than the sound. */
  for (guint j = m->video->len; j-- > 0;)
    {
      ReelRendition *r = m->video->pdata[j];
      if (sound && sound->partial)
        trim_video (r, rendition_ns (m->audio));
      if (r->segments->len == 0)
        g_ptr_array_remove_index (m->video, j);
      else
        video_ns = MAX (video_ns, rendition_ns (r));
    }
  if (m->audio && !m->final)
    trim_audio (m->audio, video_ns);
  if (cdn_base)
    {
      for (guint i = 0; i < m->video->len; i++)
        prefix_rendition (m->video->pdata[i], cdn_base);
      if (m->audio)
        prefix_rendition (m->audio, cdn_base);
    }
  return TRUE;
}

gboolean
reel_playback_manifest (ReelTxn *txn, const ReelVideo *video, const char *cdn_base, ReelManifest *m,
                        GError **error)
{
  return set_manifest (txn, video, video->plan, video->rendition_set, video->chunks_done, cdn_base,
                       m, error);
}

/* Whether plan has a rung called rendition. */
static gboolean
plan_has_rung (const ReelVideoPlan *plan, const char *rendition)
{
  for (guint i = 0; plan && i < plan->rungs->len; i++)
    if (g_str_equal (g_array_index (plan->rungs, ReelRung, i).name, rendition))
      return TRUE;
  return FALSE;
}

/* The rendition a media playlist's name names, or NULL when name is not
 * one. */
static char *
media_playlist_rendition (const char *name)
{
  if (!g_str_has_suffix (name, REEL_PLAYLIST_MEDIA_SUFFIX))
    return NULL;
  return g_strndup (name, strlen (name) - strlen (REEL_PLAYLIST_MEDIA_SUFFIX));
}

gboolean
reel_playback_retired_playlist (const ReelVideo *video, const char *name)
{
  g_autofree char *rendition = media_playlist_rendition (name);
  return rendition && video->retired_plan && !plan_has_rung (video->plan, rendition)
         && plan_has_rung (video->retired_plan, rendition);
}

char *
reel_playback_playlist (ReelTxn *txn, const ReelVideo *video, const char *cdn_base,
                        const char *name, const char **content_type, gboolean *final,
                        GError **error)
{
  ReelManifest m = { 0 };
  char *text = NULL;
  gboolean built;

  /* A rung of the set served before the switch: its own set's segments,
   * from here (the CDN has only the set served). */
  if (reel_playback_retired_playlist (video, name))
    built = set_manifest (txn, video, video->retired_plan, video->retired_set,
                          video->retired_plan->chunks_total, NULL, &m, error);
  else
    built = reel_playback_manifest (txn, video, cdn_base, &m, error);
  if (!built)
    {
      if (error && !*error)
        g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "chunk table incomplete");
      reel_manifest_clear (&m);
      return NULL;
    }
  *final = m.final;
  *content_type = "application/vnd.apple.mpegurl";
  if (g_str_equal (name, REEL_PLAYLIST_MASTER))
    text = reel_hls_multivariant (&m);
  else if (g_str_equal (name, REEL_PLAYLIST_MPD))
    {
      *content_type = "application/dash+xml";
      text = reel_dash_mpd (&m);
    }
  else if (g_str_has_suffix (name, REEL_PLAYLIST_MEDIA_SUFFIX))
    {
      const ReelRendition *r = NULL;
      g_autofree char *rendition = media_playlist_rendition (name);
      if (m.audio && g_str_equal (rendition, AUDIO_RENDITION))
        r = m.audio;
      for (guint i = 0; !r && i < m.video->len; i++)
        if (g_str_equal (((ReelRendition *)m.video->pdata[i])->name, rendition))
          r = m.video->pdata[i];
      if (r)
        text = reel_hls_media (&m, r);
      else
        g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such rendition");
    }
  else
    g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such resource");
  reel_manifest_clear (&m);
  return text;
}

gboolean
reel_playback_segments_served (const ReelVideo *video, const char *name)
{
  /* One the video has, or an earlier set's rung: a name a plan may hold,
   * which is all a blob key part needs. */
  return reel_playback_rendition_known (video, name)
         || (video->rendition_set && reel_rung_name_valid (name));
}

gboolean
reel_playback_rendition_known (const ReelVideo *video, const char *name)
{
  if (!video->plan)
    return FALSE;
  if (g_str_equal (name, AUDIO_RENDITION))
    return video->plan->has_audio;
  return plan_has_rung (video->plan, name);
}
