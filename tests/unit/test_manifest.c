/* media/manifest: HLS and DASH text from a chunk table. The players' view
 * (ffmpeg reading them end to end) is in the integration tests. */
#include "media/manifest.h"

static ReelManifest
make (gboolean final, guint n_segments)
{
  ReelManifest m = { 0 };
  ReelRendition *v = reel_rendition_new ("720p"), *a = reel_rendition_new ("audio");
  v->width = 1280, v->height = 720, v->bandwidth = 3000000;
  v->codecs = g_strdup ("avc1.64001f");
  v->init_uri = g_strdup ("720p/init.mp4");
  a->bandwidth = 128000;
  a->codecs = g_strdup ("mp4a.40.2");
  a->init_uri = g_strdup ("audio/init.mp4");
  for (guint i = 0; i < n_segments; i++)
    {
      g_autofree char *vu = g_strdup_printf ("720p/%u.m4s", i);
      g_autofree char *au = g_strdup_printf ("audio/%u.m4s", i);
      guint64 d = i + 1 == n_segments ? 1500000000 : 2000000000;
      reel_rendition_add_segment (v, d, vu);
      reel_rendition_add_segment (a, d, au);
    }
  m.video = g_ptr_array_new_with_free_func ((GDestroyNotify)reel_rendition_free);
  g_ptr_array_add (m.video, v);
  m.audio = a;
  m.final = final;
  m.duration_ns = 5500000000;
  m.frame_rate_n = 30;
  m.frame_rate_d = 1;
  return m;
}

static void
test_hls (void)
{
  ReelManifest m = make (TRUE, 3);
  g_autofree char *master = reel_hls_multivariant (&m);
  g_autofree char *media = reel_hls_media (&m, m.video->pdata[0]);
  g_assert_nonnull (strstr (master, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\""));
  g_assert_nonnull (strstr (master, "#EXT-X-STREAM-INF:BANDWIDTH=3128000,RESOLUTION=1280x720,"
                                    "CODECS=\"avc1.64001f,mp4a.40.2\",FRAME-RATE=30.000,"
                                    "AUDIO=\"audio\"\n720p.m3u8\n"));
  g_assert_nonnull (strstr (media, "#EXT-X-TARGETDURATION:2\n"));
  g_assert_nonnull (strstr (media, "#EXT-X-PLAYLIST-TYPE:VOD\n"));
  g_assert_nonnull (strstr (media, "#EXT-X-MAP:URI=\"720p/init.mp4\"\n"));
  g_assert_nonnull (strstr (media, "#EXTINF:2.000000,\n720p/0.m4s\n#EXTINF:2.000000,\n720p/1.m4s\n"
                                   "#EXTINF:1.500000,\n720p/2.m4s\n#EXT-X-ENDLIST\n"));
  g_assert_null (strstr (media, "DISCONTINUITY"));
  reel_manifest_clear (&m);
}

static void
test_hls_in_progress (void)
{
  ReelManifest m = make (FALSE, 1);
  g_autofree char *media = reel_hls_media (&m, m.video->pdata[0]);
  g_assert_nonnull (strstr (media, "#EXT-X-PLAYLIST-TYPE:EVENT\n"));
  g_assert_null (strstr (media, "ENDLIST"));
  reel_manifest_clear (&m);
}

static void
test_dash (void)
{
  ReelManifest m = make (TRUE, 3);
  g_autofree char *mpd = reel_dash_mpd (&m);
  g_autoptr (GMarkupParseContext) ctx = NULL;
  GMarkupParser parser = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_nonnull (strstr (mpd, "type=\"static\" mediaPresentationDuration=\"PT5.500000S\""));
  g_assert_nonnull (strstr (mpd, "<S t=\"0\" d=\"2000\"/>"));
  g_assert_nonnull (strstr (mpd, "<S t=\"4000\" d=\"1500\"/>"));
  g_assert_nonnull (strstr (mpd, "<SegmentURL media=\"audio/2.m4s\"/>"));
  /* Well-formed XML. */
  ctx = g_markup_parse_context_new (&parser, 0, NULL, NULL);
  g_assert_true (g_markup_parse_context_parse (ctx, mpd, -1, &error));
  g_assert_true (g_markup_parse_context_end_parse (ctx, &error));
  g_assert_no_error (error);
  reel_manifest_clear (&m);
}

static void
test_hls_live (void)
{
  ReelManifest m = make (FALSE, 0);
  ReelRendition *v = m.video->pdata[0];
  g_autofree char *master = NULL, *media = NULL;
  /* A live window: segments 40 and 41, 2 s each, the first decoded at
   * 2026-05-01T12:00:00.250Z. */
  v->first_sequence = 40;
  reel_rendition_add_live_segment (v, 2000000000, "s/720p/40.m4s", 1777636800250000);
  reel_rendition_add_live_segment (v, 2000000000, "s/720p/41.m4s", 1777636802250000);
  m.live = TRUE;
  m.start_offset_ns = 20000000000;
  m.playlist_query = "?rewind=20";
  master = reel_hls_multivariant (&m);
  media = reel_hls_media (&m, v);
  g_assert_nonnull (strstr (master, "\n720p.m3u8?rewind=20\n"));
  g_assert_nonnull (strstr (master, "URI=\"audio.m3u8?rewind=20\""));
  g_assert_null (strstr (media, "PLAYLIST-TYPE"));
  g_assert_null (strstr (media, "ENDLIST"));
  g_assert_nonnull (strstr (media, "#EXT-X-MEDIA-SEQUENCE:40\n"));
  g_assert_nonnull (strstr (media, "#EXT-X-START:TIME-OFFSET=-20.000000,PRECISE=YES\n"));
  g_assert_nonnull (strstr (media, "#EXT-X-PROGRAM-DATE-TIME:2026-05-01T12:00:00.250Z\n#EXTINF:"
                                   "2.000000,\ns/720p/40.m4s\n"));
  reel_manifest_clear (&m);
  /* Once the stream ended, the window closes. */
  m = make (TRUE, 1);
  m.live = TRUE;
  g_free (media);
  media = reel_hls_media (&m, m.video->pdata[0]);
  g_assert_nonnull (strstr (media, "#EXT-X-ENDLIST\n"));
  g_assert_null (strstr (media, "EXT-X-START"));
  reel_manifest_clear (&m);
}

/* With a VP9 rendition set beside the H.264 one: every variant in the
 * HLS playlist with its own CODECS, and one DASH video AdaptationSet per
 * codec family, H.264 first. */
static void
test_two_codecs (void)
{
  ReelManifest m = make (TRUE, 2);
  ReelRendition *v = reel_rendition_new ("720pvp9");
  g_autofree char *master = NULL, *mpd = NULL;
  const char *h264_set, *vp9_set;
  v->width = 1280, v->height = 720, v->bandwidth = 2000000;
  v->codecs = g_strdup ("vp09.00.10.08");
  v->init_uri = g_strdup ("720pvp9/init.mp4");
  reel_rendition_add_segment (v, 2000000000, "720pvp9/0.m4s");
  reel_rendition_add_segment (v, 1500000000, "720pvp9/1.m4s");
  g_ptr_array_add (m.video, v);
  master = reel_hls_multivariant (&m);
  mpd = reel_dash_mpd (&m);
  g_assert_nonnull (strstr (master, "CODECS=\"avc1.64001f,mp4a.40.2\""));
  g_assert_nonnull (strstr (master, "#EXT-X-STREAM-INF:BANDWIDTH=2128000,RESOLUTION=1280x720,"
                                    "CODECS=\"vp09.00.10.08,mp4a.40.2\",FRAME-RATE=30.000,"
                                    "AUDIO=\"audio\"\n720pvp9.m3u8\n"));
  h264_set = strstr (mpd, "<AdaptationSet contentType=\"video\"");
  g_assert_nonnull (h264_set);
  vp9_set = strstr (h264_set + 1, "<AdaptationSet contentType=\"video\"");
  g_assert_nonnull (vp9_set);
  /* Each set holds its own family only. */
  g_assert_true (strstr (h264_set, "codecs=\"avc1.64001f\"") < vp9_set);
  g_assert_true (strstr (h264_set, "codecs=\"vp09.00.10.08\"") > vp9_set);
  g_assert_null (strstr (vp9_set, "avc1"));
  g_assert_null (strstr (strstr (vp9_set, "<AdaptationSet contentType=\"audio\""), "vp09"));
  reel_manifest_clear (&m);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/manifest/hls", test_hls);
  g_test_add_func ("/manifest/hls-in-progress", test_hls_in_progress);
  g_test_add_func ("/manifest/hls-live", test_hls_live);
  g_test_add_func ("/manifest/dash", test_dash);
  g_test_add_func ("/manifest/two-codecs", test_two_codecs);
  return g_test_run ();
}
