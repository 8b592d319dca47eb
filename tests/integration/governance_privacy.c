/* The governance test of privacy (see test_governance.c):
 * /governance/privacy. */
#include "governance_common.h"

#include <json-glib/json-glib.h>

void test_privacy (void);

typedef enum
{
  SEES_NOTHING, /* 404 on the record and the media */
  SEES_ALL,     /* 200 on both */
} Sight;

/* One viewer of the privacy matrix. */
typedef struct
{
  const char *name;
  const char *token; /* NULL: anonymous */
  gboolean follows;  /* subscribed to the owner: has a feed and notifications */
} Viewer;

/* The privacy matrix for one video of olga's: what each viewer gets of its
 * record and media, and whether any list, search, feed or related list
 * names it (never, unless it is public); notice: whether followers have a
 * new_video notification of it (-1: not checked). */
static void
assert_privacy (const char *video, const char *rendition, const char *privacy,
                const Viewer *viewers, guint n_viewers, const char *related_of, int notice)
{
  gboolean listed = g_str_equal (privacy, "public");
  g_autofree char *related = g_strdup_printf ("/api/v1/videos/%s/related", related_of);
  for (guint i = 0; i < n_viewers; i++)
    {
      const Viewer *v = &viewers[i];
      gboolean privileged = g_str_equal (v->name, "owner") || g_str_equal (v->name, "moderator");
      Sight sight = g_str_equal (privacy, "private") && !privileged ? SEES_NOTHING : SEES_ALL;
      g_test_message ("privacy %s, viewer %s", privacy, v->name);
      assert_sight (v->token, video, rendition, sight == SEES_ALL ? 200 : 404,
                    sight == SEES_ALL ? 200 : 404);
      {
        g_autofree char *comments = g_strdup_printf ("/api/v1/videos/%s/comments", video);
        g_autofree char *own_related = g_strdup_printf ("/api/v1/videos/%s/related", video);
        g_assert_cmpuint (status_of ("GET", comments, v->token, NULL), ==,
                          sight == SEES_ALL ? 200 : 404);
        g_assert_cmpuint (status_of ("GET", own_related, v->token, NULL), ==,
                          sight == SEES_ALL ? 200 : 404);
      }
      g_assert_cmpint (lists ("/api/v1/users/olga/videos", v->token, video), ==, listed);
      g_assert_cmpint (lists ("/api/v1/videos", v->token, video), ==, listed);
      g_assert_cmpint (lists ("/api/v1/search?q=kilimanjaro", v->token, video), ==, listed);
      g_assert_cmpint (lists (related, v->token, video), ==, listed);
      if (v->follows)
        {
          g_assert_cmpint (lists ("/api/v1/feed", v->token, video), ==, listed);
          if (notice >= 0)
            g_assert_cmpint (notified (v->token, "new_video", video, NULL), ==, notice);
        }
    }
}

/* The first URI (a line that is no tag) of a playlist, or of its
 * EXT-X-MAP when map is set. */
static char *
playlist_uri (const char *text, gboolean map)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *l = lines[i];
      if (map && g_str_has_prefix (l, "#EXT-X-MAP:URI=\""))
        return g_strndup (l + 16, strcspn (l + 16, "\""));
      if (!map && *l && *l != '#')
        return g_strdup (l);
    }
  g_assert_not_reached ();
}

/* A private video plays through the signed URLs its record names, with no
 * credentials (a <video> element, hls.js): master, media playlist, init and
 * media segment, poster. The token opens that video only, and nothing opens
 * with a tampered one. */
static void
assert_signed_playback (const char *token, const char *video, const char *other)
{
  g_autofree char *rec = g_strdup_printf ("/api/v1/videos/%s", video);
  g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, "GET", rec, token, NULL, 0);
  const char *hls = reel_test_json_str (r, "hls"), *dash = reel_test_json_str (r, "dash");
  const char *thumb = reel_test_json_str (r, "thumbnail");
  g_autofree char *prefix = NULL, *suffix = g_strdup_printf ("/videos/%s/master.m3u8", video);
  g_autofree char *media_uri = NULL, *media = NULL, *seg = NULL, *init = NULL;
  g_autofree char *other_master = NULL, *tampered = NULL;
  g_autoptr (ReelTestResponse) master = NULL, pl = NULL;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (g_str_has_prefix (hls, "/s/"));
  g_assert_true (g_str_has_suffix (hls, suffix));
  prefix = g_strndup (hls, strlen (hls) - strlen ("/master.m3u8"));
  g_assert_true (g_str_has_prefix (dash, prefix));
  g_assert_true (g_str_has_prefix (thumb, prefix));

  master = reel_test_http (N.d->port, "GET", hls, NULL, NULL, 0);
  g_assert_cmpuint (master->status, ==, 200);
  g_assert_true (g_str_has_prefix (reel_test_header (master, "Cache-Control"), "private"));
  media_uri = playlist_uri (master->body, FALSE);
  media = g_strdup_printf ("%s/%s", prefix, media_uri);
  pl = reel_test_http (N.d->port, "GET", media, NULL, NULL, 0);
  g_assert_cmpuint (pl->status, ==, 200);
  {
    g_autofree char *s = playlist_uri (pl->body, FALSE), *m = playlist_uri (pl->body, TRUE);
    seg = g_strdup_printf ("%s/%s", prefix, s);
    init = g_strdup_printf ("%s/%s", prefix, m);
  }
  g_assert_cmpuint (status_of ("GET", seg, NULL, NULL), ==, 200);
  g_assert_cmpuint (status_of ("GET", init, NULL, NULL), ==, 200);
  g_assert_cmpuint (status_of ("GET", dash, NULL, NULL), ==, 200);
  g_assert_cmpuint (status_of ("GET", thumb, NULL, NULL), ==, 200);

  /* The token is this video's only. */
  other_master = g_strdup_printf ("%s/master.m3u8", prefix);
  {
    char *at = strstr (other_master, video);
    g_assert_cmpuint (strlen (other), ==, strlen (video));
    memcpy (at, other, strlen (other));
  }
  g_assert_cmpuint (status_of ("GET", other_master, NULL, NULL), ==, 404);
  /* A claimed longer life breaks the mac. */
  tampered = g_strdup (hls);
  tampered[3] = tampered[3] == '9' ? '8' : '9';
  g_assert_cmpuint (status_of ("GET", tampered, NULL, NULL), ==, 404);
}

void
test_privacy (void)
{
  const char *privacies[] = { "public", "unlisted", "private" };
  g_autofree char *mod = NULL, *olga = NULL, *vera = NULL, *media = NULL, *clip = NULL;
  g_autofree char *rendition = NULL;
  char *videos[G_N_ELEMENTS (privacies)];

  node_start ("admins = root\n");
  mod = login ("mod");
  vera = login ("vera");
  olga = reel_test_register_login (N.d->port, "olga", PASSWORD);
  g_assert_cmpuint (status_of ("POST", "/api/v1/subscriptions", vera, "{\"channel\":\"olga\"}"), ==,
                    201);
  g_assert_cmpuint (status_of ("POST", "/api/v1/subscriptions", mod, "{\"channel\":\"olga\"}"), ==,
                    201);

  /* Creation refuses a privacy that is none of the three, by tus and by
   * multipart alike. */
  {
    g_autofree char *p = g_base64_encode ((const guchar *)"secret", 6);
    g_autofree char *meta = g_strdup_printf ("privacy %s", p);
    const char *h[]
        = { "Tus-Resumable", "1.0.0", "Upload-Length", "1000", "Upload-Metadata", meta, NULL };
    g_autoptr (ReelTestResponse) r
        = reel_test_http_full (N.d->port, "POST", "/api/v1/uploads", olga, h, NULL, NULL, 0);
    g_assert_cmpuint (r->status, ==, 400);
    g_assert_nonnull (strstr (r->body, "privacy"));
  }
  {
    g_autofree char *p = g_base64_encode ((const guchar *)"private", 7);
    g_autofree char *meta = g_strdup_printf ("privacy %s", p);
    const char *h[]
        = { "Tus-Resumable", "1.0.0", "Upload-Length", "1000", "Upload-Metadata", meta, NULL };
    g_autoptr (ReelTestResponse) r
        = reel_test_http_full (N.d->port, "POST", "/api/v1/uploads", olga, h, NULL, NULL, 0);
    g_autofree char *path = NULL;
    g_assert_cmpuint (r->status, ==, 201);
    path = g_strdup_printf ("/api/v1/videos/%s", reel_test_header (r, "Reel-Video-Id"));
    g_assert_cmpuint (status_of ("GET", path, NULL, NULL), ==, 404);
    g_assert_cmpuint (status_of ("GET", path, olga, NULL), ==, 200);
    g_assert_cmpuint (status_of ("DELETE", path, olga, NULL), ==, 204);
  }

  media = reel_test_tmpdir ();
  clip = make_clip (media);
  for (guint i = 0; i < G_N_ELEMENTS (privacies); i++)
    {
      g_autofree char *title = g_strdup_printf ("Kilimanjaro %s", privacies[i]);
      g_autoptr (ReelTestResponse) r = NULL;
      videos[i] = reel_test_upload_private (N.d->port, olga, clip, title, privacies[i]);
      r = reel_test_wait_state_as (N.d->port, olga, videos[i], "ready", 120);
      wait_announced (olga, videos[i]);
      g_assert_cmpstr (reel_test_json_str (r, "privacy"), ==, privacies[i]);
      if (!rendition)
        rendition = g_strdup (json_object_get_string_member (
            json_array_get_object_element (
                json_object_get_array_member (json_node_get_object (r->json), "renditions"), 0),
            "name"));
    }
  {
    const Viewer viewers[] = {
      { "owner", olga, FALSE },
      { "other user", vera, TRUE },
      { "anonymous", NULL, FALSE },
      { "moderator", mod, TRUE },
    };
    /* No shared cache keeps what not everyone may see. */
    for (guint i = 0; i < G_N_ELEMENTS (privacies); i++)
      {
        g_autofree char *init = g_strdup_printf ("/videos/%s/%s/init-0.mp4", videos[i], rendition);
        g_autofree char *master = g_strdup_printf ("/videos/%s/master.m3u8", videos[i]);
        g_autoptr (ReelTestResponse) seg = reel_test_http (N.d->port, "GET", init, olga, NULL, 0);
        g_autoptr (ReelTestResponse) pl = reel_test_http (N.d->port, "GET", master, olga, NULL, 0);
        gboolean restricted = g_str_equal (privacies[i], "private");
        g_assert_cmpint (g_str_has_prefix (reel_test_header (seg, "Cache-Control"), "private"), ==,
                         restricted);
        g_assert_cmpint (g_str_has_prefix (reel_test_header (pl, "Cache-Control"), "private"), ==,
                         restricted);
      }
    /* Related lists of the public video name the channel's other videos. */
    for (guint i = 0; i < G_N_ELEMENTS (privacies); i++)
      assert_privacy (videos[i], rendition, privacies[i], viewers, G_N_ELEMENTS (viewers),
                      i == 0 ? videos[1] : videos[0], i == 0);

    /* Those who may watch the private video get signed URLs that play
     * without credentials; the public one's stay plain. */
    assert_signed_playback (olga, videos[2], videos[1]);
    assert_signed_playback (mod, videos[2], videos[1]);
    {
      g_autofree char *rec = g_strdup_printf ("/api/v1/videos/%s", videos[0]);
      g_autofree char *plain = g_strdup_printf ("/videos/%s/master.m3u8", videos[0]);
      g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, "GET", rec, olga, NULL, 0);
      g_assert_cmpstr (reel_test_json_str (r, "hls"), ==, plain);
    }

    /* Only the owner changes it; a bad value is 400; a change takes effect
     * at once everywhere. */
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", videos[2]);
      g_assert_cmpuint (status_of ("PATCH", path, vera, "{\"privacy\":\"public\"}"), ==, 403);
      g_assert_cmpuint (status_of ("PATCH", path, olga, "{\"privacy\":\"everyone\"}"), ==, 400);
      g_assert_cmpuint (status_of ("PATCH", path, olga, "{\"privacy\":\"public\"}"), ==, 204);
    }
    /* (No new_video now: subscribers hear of a video once, when it is
     * published.) */
    assert_privacy (videos[2], rendition, "public", viewers, G_N_ELEMENTS (viewers), videos[0], 0);
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", videos[0]);
      g_assert_cmpuint (status_of ("PATCH", path, olga, "{\"privacy\":\"private\"}"), ==, 204);
    }
    /* (The notification sent while it was public stays; it leads to a
     * 404 now.) */
    assert_privacy (videos[0], rendition, "private", viewers, G_N_ELEMENTS (viewers), videos[2],
                    -1);
  }
  {
    guint64 last = 0;
    g_autoptr (GPtrArray) lines = reel_test_event_log (N.nats->url, &last);
    reel_test_validate_events (lines);
  }
  node_stop ();
  for (guint i = 0; i < G_N_ELEMENTS (privacies); i++)
    g_free (videos[i]);
  reel_test_rmtree (media);
}
