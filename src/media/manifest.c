/* See manifest.h. */
#include "media/manifest.h"
#include "media/plan.h"

#include <math.h>
#include <string.h>

ReelRendition *
reel_rendition_new (const char *name)
{
  ReelRendition *r = g_new0 (ReelRendition, 1);
  r->name = g_strdup (name);
  r->segments = g_array_new (FALSE, TRUE, sizeof (ReelSegment));
  return r;
}

void
reel_rendition_add_segment (ReelRendition *r, guint64 duration_ns, const char *uri)
{
  reel_rendition_add_live_segment (r, duration_ns, uri, 0);
}

void
reel_rendition_add_live_segment (ReelRendition *r, guint64 duration_ns, const char *uri,
                                 gint64 program_date_us)
{
  ReelSegment s = { duration_ns, g_strdup (uri), program_date_us };
  g_array_append_val (r->segments, s);
}

void
reel_rendition_free (ReelRendition *r)
{
  if (!r)
    return;
  for (guint i = 0; i < r->segments->len; i++)
    g_free (g_array_index (r->segments, ReelSegment, i).uri);
  g_array_unref (r->segments);
  g_free (r->name);
  g_free (r->codecs);
  g_free (r->init_uri);
  g_free (r);
}

void
reel_manifest_clear (ReelManifest *m)
{
  g_clear_pointer (&m->video, g_ptr_array_unref);
  g_clear_pointer (&m->audio, reel_rendition_free);
  g_clear_pointer (&m->captions, g_ptr_array_unref);
}

static double
seconds (guint64 ns)
{
  return (double)ns / 1e9;
}

static void
append_seconds (GString *out, guint64 ns)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.6f", seconds (ns)));
}

char *
reel_hls_multivariant (const ReelManifest *m)
{
  GString *out = g_string_new ("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
  if (m->audio)
    g_string_append_printf (out,
                            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"default\","
                            "DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"%s.m3u8%s\"\n",
                            m->audio->name, m->playlist_query ? m->playlist_query : "");
  for (guint i = 0; m->captions && i < m->captions->len; i++)
    {
      const char *lang = m->captions->pdata[i];
      g_string_append_printf (
          out,
          "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",NAME=\"%s\","
          "LANGUAGE=\"%s\",DEFAULT=NO,AUTOSELECT=YES,URI=\"captions/%s.m3u8\"\n",
          lang, lang, lang);
    }
  for (guint i = 0; i < m->video->len; i++)
    {
      const ReelRendition *r = m->video->pdata[i];
      guint bw = r->bandwidth + (m->audio ? m->audio->bandwidth : 0);
      g_string_append_printf (
          out, "#EXT-X-STREAM-INF:BANDWIDTH=%u,RESOLUTION=%ux%u,CODECS=\"%s%s%s\"", bw, r->width,
          r->height, r->codecs, m->audio ? "," : "", m->audio ? m->audio->codecs : "");
      if (m->frame_rate_n && m->frame_rate_d)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          g_string_append_printf (
              out, ",FRAME-RATE=%s",
              g_ascii_formatd (buf, sizeof buf, "%.3f", (double)m->frame_rate_n / m->frame_rate_d));
        }
      if (m->audio)
        g_string_append (out, ",AUDIO=\"audio\"");
      if (m->captions && m->captions->len)
        g_string_append (out, ",SUBTITLES=\"subs\"");
      g_string_append_printf (out, "\n%s.m3u8%s\n", r->name,
                              m->playlist_query ? m->playlist_query : "");
    }
  return g_string_free (out, FALSE);
}

char *
reel_hls_media (const ReelManifest *m, const ReelRendition *r)
{
  GString *out = g_string_new ("#EXTM3U\n#EXT-X-VERSION:7\n");
  guint64 longest = 0;
  for (guint i = 0; i < r->segments->len; i++)
    longest = MAX (longest, g_array_index (r->segments, ReelSegment, i).duration_ns);
  /* TARGETDURATION is the longest segment rounded to the nearest second
   * (RFC 8216 4.3.3.1), at least 1. */
  g_string_append_printf (out, "#EXT-X-TARGETDURATION:%u\n",
                          MAX (1u, (guint)floor (seconds (longest) + 0.5)));
  if (!m->live)
    g_string_append_printf (out, "#EXT-X-PLAYLIST-TYPE:%s\n", m->final ? "VOD" : "EVENT");
  g_string_append_printf (out, "#EXT-X-MEDIA-SEQUENCE:%u\n", m->live ? r->first_sequence : 0);
  if (m->live && m->start_offset_ns)
    {
      /* Negative: counted back from the end of the last segment. */
      g_string_append (out, "#EXT-X-START:TIME-OFFSET=-");
      append_seconds (out, m->start_offset_ns);
      g_string_append (out, ",PRECISE=YES\n");
    }
  g_string_append_printf (out, "#EXT-X-MAP:URI=\"%s\"\n", r->init_uri);
  for (guint i = 0; i < r->segments->len; i++)
    {
      const ReelSegment *s = &g_array_index (r->segments, ReelSegment, i);
      if (s->program_date_us)
        {
          g_autoptr (GDateTime) t
              = g_date_time_new_from_unix_utc (s->program_date_us / G_USEC_PER_SEC);
          g_autofree char *day = g_date_time_format (t, "%Y-%m-%dT%H:%M:%S");
          g_string_append_printf (out, "#EXT-X-PROGRAM-DATE-TIME:%s.%03dZ\n", day,
                                  (int)(s->program_date_us % G_USEC_PER_SEC / 1000));
        }
      g_string_append (out, "#EXTINF:");
      append_seconds (out, s->duration_ns);
      g_string_append_printf (out, ",\n%s\n", s->uri);
    }
  if (m->final)
    g_string_append (out, "#EXT-X-ENDLIST\n");
  return g_string_free (out, FALSE);
}

/* xs:duration, e.g. PT12.345S */
static void
append_duration (GString *out, guint64 ns)
{
  g_string_append (out, "PT");
  append_seconds (out, ns);
  g_string_append_c (out, 'S');
}

static void
append_representation (GString *out, const ReelRendition *r, gboolean video)
{
  g_autofree char *id = g_markup_escape_text (r->name, -1);
  g_autofree char *init = g_markup_escape_text (r->init_uri, -1);
  guint64 timescale = 1000;
  g_string_append_printf (out, "      <Representation id=\"%s\" bandwidth=\"%u\" codecs=\"%s\"", id,
                          r->bandwidth, r->codecs);
  if (video)
    g_string_append_printf (out, " width=\"%u\" height=\"%u\"", r->width, r->height);
  else
    g_string_append_printf (out, " audioSamplingRate=\"%d\"", REEL_AUDIO_RATE);
  g_string_append (out, ">\n");
  if (!video)
    g_string_append (out, "        <AudioChannelConfiguration schemeIdUri=\"urn:mpeg:dash:23003:3:"
                          "audio_channel_configuration:2011\" value=\"2\"/>\n");
  g_string_append_printf (out, "        <SegmentList timescale=\"%" G_GUINT64_FORMAT "\">\n",
                          timescale);
  g_string_append_printf (out, "          <Initialization sourceURL=\"%s\"/>\n", init);
  g_string_append (out, "          <SegmentTimeline>\n");
  guint64 t = 0;
  for (guint i = 0; i < r->segments->len; i++)
    {
      const ReelSegment *s = &g_array_index (r->segments, ReelSegment, i);
      guint64 start = (t * timescale + 500000000) / 1000000000;
      guint64 end = ((t + s->duration_ns) * timescale + 500000000) / 1000000000;
      g_string_append_printf (
          out, "            <S t=\"%" G_GUINT64_FORMAT "\" d=\"%" G_GUINT64_FORMAT "\"/>\n", start,
          end - start);
      t += s->duration_ns;
    }
  g_string_append (out, "          </SegmentTimeline>\n");
  for (guint i = 0; i < r->segments->len; i++)
    {
      g_autofree char *uri
          = g_markup_escape_text (g_array_index (r->segments, ReelSegment, i).uri, -1);
      g_string_append_printf (out, "          <SegmentURL media=\"%s\"/>\n", uri);
    }
  g_string_append (out, "        </SegmentList>\n      </Representation>\n");
}

static guint64
prefix_duration (const ReelManifest *m)
{
  guint64 total = 0;
  const ReelRendition *r = m->video->len ? m->video->pdata[0] : NULL;
  for (guint i = 0; r && i < r->segments->len; i++)
    total += g_array_index (r->segments, ReelSegment, i).duration_ns;
  return total;
}

/* The codec family of a codecs string: what comes before its first dot
 * ("avc1", "vp09"). */
static gboolean
same_family (const char *a, const char *b)
{
  a = a ? a : "";
  b = b ? b : "";
  gsize n = strcspn (a, ".");
  return n == strcspn (b, ".") && strncmp (a, b, n) == 0;
}

/* One video AdaptationSet per codec family (a player switches rungs
 * within a set, and picks the set it can decode), in the order the
 * families first appear. */
static void
append_video_sets (GString *out, const ReelManifest *m)
{
  g_autoptr (GPtrArray) families = g_ptr_array_new ();
  for (guint i = 0; i < m->video->len; i++)
    {
      const ReelRendition *r = m->video->pdata[i];
      gboolean seen = FALSE;
      for (guint f = 0; f < families->len && !seen; f++)
        seen = same_family (families->pdata[f], r->codecs);
      if (!seen)
        g_ptr_array_add (families, r->codecs);
    }
  for (guint f = 0; f < families->len; f++)
    {
      g_string_append (out, "    <AdaptationSet contentType=\"video\" mimeType=\"video/mp4\" "
                            "segmentAlignment=\"true\" startWithSAP=\"1\">\n");
      for (guint i = 0; i < m->video->len; i++)
        {
          const ReelRendition *r = m->video->pdata[i];
          if (same_family (families->pdata[f], r->codecs))
            append_representation (out, r, TRUE);
        }
      g_string_append (out, "    </AdaptationSet>\n");
    }
}

char *
reel_dash_mpd (const ReelManifest *m)
{
  GString *out = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  g_string_append (out,
                   "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" "
                   "profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" minBufferTime=\"PT2S\"");
  /* Static in both cases: while chunks are still being transcoded it
   * describes the done prefix (players that re-fetch it see it grow); a
   * dynamic MPD would tie the timeline to the wall clock, which a video on
   * demand has nothing to do with. */
  g_string_append (out, " type=\"static\" mediaPresentationDuration=\"");
  append_duration (out, m->final ? m->duration_ns : prefix_duration (m));
  g_string_append (out, "\"");
  g_string_append (out, ">\n  <Period id=\"0\" start=\"PT0S\">\n");
  append_video_sets (out, m);
  if (m->audio)
    {
      g_string_append (out, "    <AdaptationSet contentType=\"audio\" mimeType=\"audio/mp4\" "
                            "lang=\"und\" segmentAlignment=\"true\" startWithSAP=\"1\">\n");
      append_representation (out, m->audio, FALSE);
      g_string_append (out, "    </AdaptationSet>\n");
    }
  for (guint i = 0; m->captions && i < m->captions->len; i++)
    {
      const char *lang = m->captions->pdata[i];
      g_string_append_printf (out,
                              "    <AdaptationSet contentType=\"text\" mimeType=\"text/vtt\" "
                              "lang=\"%s\">\n"
                              "      <Role schemeIdUri=\"urn:mpeg:dash:role:2011\" "
                              "value=\"subtitle\"/>\n"
                              "      <Representation id=\"captions-%s\" bandwidth=\"256\">"
                              "<BaseURL>captions/%s.vtt</BaseURL></Representation>\n"
                              "    </AdaptationSet>\n",
                              lang, lang, lang);
    }
  g_string_append (out, "  </Period>\n</MPD>\n");
  return g_string_free (out, FALSE);
}

char *
reel_hls_captions (const char *lang, guint64 duration_ns)
{
  GString *out = g_string_new ("#EXTM3U\n#EXT-X-VERSION:3\n");
  g_string_append_printf (out, "#EXT-X-TARGETDURATION:%" G_GUINT64_FORMAT "\n",
                          MAX ((duration_ns + 999999999) / 1000000000, 1));
  g_string_append (out, "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:");
  append_seconds (out, MAX (duration_ns, 1000000));
  g_string_append_printf (out, ",\n%s.vtt\n#EXT-X-ENDLIST\n", lang);
  return g_string_free (out, FALSE);
}
