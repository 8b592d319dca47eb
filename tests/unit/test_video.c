/* The typed video model: one home per concept, byte-compatible records.
 *
 *   /video/record/round-trip   a stored record (as main wrote it) read into
 *                              ReelVideo and written back is the same bytes;
 *                              changing a field updates it in place
 *   /video/record/names        every state, privacy and moderation name round-trips;
 *                              unknown names and records without an owner
 *                              are refused with REEL_ERROR_INVALID
 *   /video/chunks/round-trip   chunk.transcoded and audio.transcoded data
 *                              read into ReelChunk and written back is the
 *                              same bytes; a malformed one is refused
 *   /video/blob-keys           the layout formatted and parsed back
 *   /video/playback            playlists built from a record and its chunk
 *                              table: the done prefix while playable (no
 *                              further than the sound's head while only it
 *                              is there), the whole video (VOD) once
 *                              ready, CDN prefix,
 *                              unknown playlist names are NOT_FOUND
 *   /video/retranscode-failed  a re-transcode given up fails its set only:
 *                              another set's failure changes nothing; the
 *                              video stays ready, the failure is stored
 *                              until the next set, which must be newer
 *   /video/retranscode-switch  the set served before a switch is retired:
 *                              its media playlists still answer, its blobs
 *                              stay referenced for the grace period only;
 *                              the next switch drops its rows
 *   /video/shared              a record read for playback is parsed once per
 *                              version of its bytes and shared: the same
 *                              until the record or its owner's ban changes;
 *                              a reader's reference outlives the change;
 *                              absent or malformed ids are NOT_FOUND
 *   /video/visibility          who sees what, what is listed, what needs a
 *                              signed URL, over privacy × moderation × viewer
 *   /video/chapters            chapter lists in descriptions (issue 14):
 *                              separators, H:MM:SS, titles cut at 100
 *                              characters; not from 0:00, going back, one
 *                              line, or times in sentences: none */
#include "app/video/chapters.h"
#include "app/video/chunks.h"
#include "app/video/lifecycle.h"
#include "app/video/record.h"
#include "app/video/videos.h"
#include "app/video/visibility.h"
#include "core/error.h"
#include "core/json.h"
#include "media/playback.h"
#include "store/blob_keys.h"
#include "store-fixture.h"

#include <string.h>

/* A videos row main's reeld wrote (a recording of tests/tools/record_replay.c). */
static const char READY_RECORD[]
    = "{\"id\":\"lXNXZv8TJJ4\",\"owner\":\"amy\",\"title\":\"A replayed clip\",\"description\":"
      "\"Edited after upload\",\"filename\":\"clip.mp4\",\"size\":480290,\"state\":\"ready\","
      "\"created_at\":\"2026-12-04T23:03:31.597649Z\",\"updated_at\":\"2026-12-04T23:03:32."
      "854258Z\",\"original\":\"originals/lXNXZv8TJJ4\",\"duration_ns\":2113000000,\"width\":"
      "320,\"height\":240,\"rotation\":0,\"fps_n\":30,\"fps_d\":1,\"has_audio\":true,\"segment_"
      "ns\":2000000000,\"first_chunk_ns\":2000000000,\"chunk_ns\":6000000000,\"chunks_total\":2,"
      "\"rungs\":[{\"name\":\"240p\",\"width\":320,\"height\":240,\"kbps\":400}],\"poster\":"
      "\"poster.jpg\",\"chunks_done\":2,\"ready_at\":\"2026-12-04T23:03:32.790006Z\"}";

/* Its chunk table rows. */
static const char CHUNK0[]
    = "{\"renditions\":[{\"name\":\"240p\",\"codecs\":\"avc1.64000D\",\"init\":\"init-0.mp4\","
      "\"first_segment\":0,\"durations_ns\":[2000000000],\"sizes\":[112062],\"width\":320,"
      "\"height\":240,\"kbps\":400}],\"chunk\":0,\"video_id\":\"lXNXZv8TJJ4\"}";
static const char CHUNK1[]
    = "{\"renditions\":[{\"name\":\"240p\",\"first_segment\":1,\"durations_ns\":[],\"sizes\":[],"
      "\"width\":320,\"height\":240,\"kbps\":400}],\"chunk\":1,\"video_id\":\"lXNXZv8TJJ4\"}";
static const char AUDIO[]
    = "{\"rendition\":{\"name\":\"audio\",\"codecs\":\"mp4a.40.2\",\"init\":\"init.mp4\","
      "\"first_segment\":0,\"durations_ns\":[1984000000,149333333],\"sizes\":[32852,2644],"
      "\"bitrate\":128000},\"video_id\":\"lXNXZv8TJJ4\"}";

/* The soundtrack's head (ReelChunk.partial): its first segment only. */
static const char AUDIO_HEAD[]
    = "{\"rendition\":{\"name\":\"audio\",\"codecs\":\"mp4a.40.2\",\"init\":\"init-0.mp4\","
      "\"first_segment\":0,\"durations_ns\":[2005333333],\"sizes\":[32852],\"bitrate\":128000},"
      "\"partial\":true,\"video_id\":\"lXNXZv8TJJ4\"}";

/* The text the store writes for a record (reel_txn_put_json). */
static char *
to_text (JsonObject *o)
{
  return reel_json_object_to_string (o);
}

static ReelVideo *
parse_video (const char *text)
{
  g_autoptr (GError) error = NULL;
  ReelVideo *v = reel_video_from_bytes (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_nonnull (v);
  return v;
}

static void
test_record_round_trip (void)
{
  g_autoptr (ReelVideo) v = parse_video (READY_RECORD);
  g_autoptr (JsonObject) o = NULL, o2 = NULL;
  g_autofree char *text = NULL, *changed = NULL;

  g_assert_cmpstr (v->owner, ==, "amy");
  g_assert_cmpint (v->state, ==, REEL_VIDEO_READY);
  g_assert_cmpint (v->privacy, ==, REEL_PRIVACY_PUBLIC);
  g_assert_nonnull (v->plan);
  g_assert_cmpuint (v->plan->chunks_total, ==, 2);
  g_assert_cmpuint (v->chunks_done, ==, 2);
  g_assert_cmpuint (v->plan->rungs->len, ==, 1);
  o = reel_video_to_json (v);
  text = to_text (o);
  g_assert_cmpstr (text, ==, READY_RECORD);

  /* A change lands in place; the rest stays as it was. */
  g_free (v->title);
  v->title = g_strdup ("Renamed");
  v->state = REEL_VIDEO_FAILED;
  o2 = reel_video_to_json (v);
  changed = to_text (o2);
  g_assert_nonnull (strstr (changed, "\"title\":\"Renamed\",\"description\""));
  g_assert_nonnull (strstr (changed, "\"state\":\"failed\",\"created_at\""));
  g_assert_true (g_str_has_suffix (changed, "\"ready_at\":\"2026-12-04T23:03:32.790006Z\"}"));

  /* Moderation is stored only while it says something. */
  g_assert_cmpint (v->moderation, ==, REEL_MODERATION_NONE);
  {
    g_autoptr (JsonObject) o3 = NULL, o4 = NULL;
    g_autofree char *blocked = NULL, *cleared = NULL;
    g_autoptr (ReelVideo) back = NULL;
    g_autoptr (GError) error = NULL;

    v->moderation = REEL_MODERATION_BLOCKED;
    v->moderation_reason = g_strdup ("copyright");
    o3 = reel_video_to_json (v);
    blocked = to_text (o3);
    g_assert_nonnull (
        strstr (blocked, "\"moderation\":\"blocked\",\"moderation_reason\":\"copyright\""));
    back = reel_video_from_bytes (blocked, strlen (blocked), &error);
    g_assert_no_error (error);
    g_assert_cmpint (back->moderation, ==, REEL_MODERATION_BLOCKED);
    g_assert_cmpstr (back->moderation_reason, ==, "copyright");
    back->moderation = REEL_MODERATION_NONE;
    g_clear_pointer (&back->moderation_reason, g_free);
    o4 = reel_video_to_json (back);
    cleared = to_text (o4);
    g_assert_null (strstr (cleared, "moderation"));
  }
}

/* A re-transcode's state (media/retranscode.h): the set served and the
 * next plan are stored only while they say something, and read back. */
static void
test_record_sets (void)
{
  g_autoptr (ReelVideo) v = parse_video (READY_RECORD);
  g_autoptr (ReelVideo) back = NULL, cleared = NULL;
  g_autoptr (JsonObject) o = NULL, o2 = NULL;
  g_autofree char *text = NULL, *text2 = NULL;
  g_autoptr (GError) error = NULL;
  ReelRung *r;

  v->rendition_set = 1;
  v->next_plan = reel_video_plan_copy (v->plan);
  v->next_set = 2;
  r = &g_array_index (v->next_plan->rungs, ReelRung, 0);
  g_strlcpy (r->name, "480p_2", sizeof r->name);
  o = reel_video_to_json (v);
  text = to_text (o);
  back = reel_video_from_bytes (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->rendition_set, ==, 1);
  g_assert_cmpuint (back->next_set, ==, 2);
  g_assert_nonnull (back->next_plan);
  g_assert_cmpstr (g_array_index (back->next_plan->rungs, ReelRung, 0).name, ==, "480p_2");
  g_assert_cmpuint (back->next_plan->chunks_total, ==, v->plan->chunks_total);

  /* The switch: the next plan served, nothing pending. */
  reel_video_plan_free (back->plan);
  back->plan = g_steal_pointer (&back->next_plan);
  back->rendition_set = 2;
  back->next_set = 0;
  o2 = reel_video_to_json (back);
  text2 = to_text (o2);
  g_assert_null (strstr (text2, "next_plan"));
  g_assert_null (strstr (text2, "next_set"));
  g_assert_nonnull (strstr (text2, "\"rendition_set\":2"));
  cleared = reel_video_from_bytes (text2, strlen (text2), &error);
  g_assert_no_error (error);
  g_assert_null (cleared->next_plan);
  g_assert_cmpstr (g_array_index (cleared->plan->rungs, ReelRung, 0).name, ==, "480p_2");
  /* A record of an unchanged video has neither. */
  g_assert_null (strstr (READY_RECORD, "rendition_set"));
}

static void
test_record_names (void)
{
  const ReelVideoState states[] = { REEL_VIDEO_UPLOADING, REEL_VIDEO_PROCESSING,
                                    REEL_VIDEO_PLAYABLE, REEL_VIDEO_READY, REEL_VIDEO_FAILED };
  const ReelPrivacy privacies[]
      = { REEL_PRIVACY_PUBLIC, REEL_PRIVACY_UNLISTED, REEL_PRIVACY_PRIVATE };
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelVideo) bad = NULL;
  const ReelModeration moderations[]
      = { REEL_MODERATION_NONE, REEL_MODERATION_HELD, REEL_MODERATION_BLOCKED };
  ReelVideoState s;
  ReelPrivacy p;
  ReelModeration m;

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      const char *name = reel_video_state_name (states[i]);
      g_assert_true (reel_video_state_from_name (name, &s));
      g_assert_cmpint (s, ==, states[i]);
      g_assert_true (g_hash_table_add (seen, (gpointer)name)); /* distinct */
    }
  for (guint i = 0; i < G_N_ELEMENTS (privacies); i++)
    {
      const char *name = reel_privacy_name (privacies[i]);
      g_assert_true (reel_privacy_from_name (name, &p));
      g_assert_cmpint (p, ==, privacies[i]);
      g_assert_true (g_hash_table_add (seen, (gpointer)name));
    }
  for (guint i = 0; i < G_N_ELEMENTS (moderations); i++)
    {
      const char *name = reel_moderation_name (moderations[i]);
      g_assert_true (reel_moderation_from_name (name, &m));
      g_assert_cmpint (m, ==, moderations[i]);
      g_assert_true (g_hash_table_add (seen, (gpointer)name));
    }
  g_assert_false (reel_moderation_from_name ("hidden", &m));
  g_assert_false (reel_video_state_from_name ("Ready", &s));
  g_assert_false (reel_privacy_from_name ("secret", &p));
  g_assert_true (reel_video_state_is_playable (REEL_VIDEO_PLAYABLE));
  g_assert_false (reel_video_state_is_playable (REEL_VIDEO_PROCESSING));
  g_assert_true (reel_video_state_is_final (REEL_VIDEO_FAILED));
  g_assert_false (reel_video_state_is_final (REEL_VIDEO_PLAYABLE));

  bad = reel_video_from_bytes ("{\"id\":\"AAAAAAAAAAA\",\"owner\":\"amy\",\"state\":\"held\"}", 50,
                               &error);
  g_assert_null (bad);
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
  g_clear_error (&error);
  bad = reel_video_from_bytes ("{\"id\":\"AAAAAAAAAAA\",\"state\":\"ready\"}", 36, &error);
  g_assert_null (bad);
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
}

static void
chunk_round_trip (const char *text, guint32 index, guint renditions)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) in = reel_json_parse_object (text, strlen (text), &error);
  g_autoptr (ReelChunk) c = NULL;
  g_autoptr (JsonObject) out = NULL;
  g_autofree char *back = NULL;

  g_assert_no_error (error);
  c = reel_chunk_from_json (in, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (c->index, ==, index);
  g_assert_cmpuint (c->renditions->len, ==, renditions);
  out = reel_chunk_to_json (c);
  back = to_text (out);
  g_assert_cmpstr (back, ==, text);
}

static void
test_chunks_round_trip (void)
{
  static const char bad[]
      = "{\"renditions\":[{\"name\":\"240p\",\"first_segment\":0,\"durations_ns\":[1],\"sizes\":"
        "[]}],\"chunk\":0,\"video_id\":\"lXNXZv8TJJ4\"}";
  g_autoptr (JsonObject) o = reel_json_parse_object (bad, strlen (bad), NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelChunk) c = NULL;

  chunk_round_trip (CHUNK0, 0, 1);
  chunk_round_trip (CHUNK1, 1, 1);
  chunk_round_trip (AUDIO, REEL_CHUNK_AUDIO, 1);
  chunk_round_trip (AUDIO_HEAD, REEL_CHUNK_AUDIO, 1);
  {
    g_autoptr (JsonObject) h = reel_json_parse_object (AUDIO_HEAD, strlen (AUDIO_HEAD), NULL);
    g_autoptr (JsonObject) w = reel_json_parse_object (AUDIO, strlen (AUDIO), NULL);
    g_autoptr (ReelChunk) head = reel_chunk_from_json (h, NULL);
    g_autoptr (ReelChunk) whole = reel_chunk_from_json (w, NULL);
    g_assert_true (head->partial);
    g_assert_false (whole->partial);
    /* Only true or false. */
    json_object_set_int_member (h, "partial", 1);
    g_assert_null (reel_chunk_from_json (h, NULL));
  }
  c = reel_chunk_from_json (o, &error); /* one duration, no size */
  g_assert_null (c);
  g_assert_error (error, REEL_ERROR, REEL_ERROR_INVALID);
}

static void
test_blob_keys (void)
{
  g_autofree char *original = reel_blob_key_original ("lXNXZv8TJJ4");
  g_autofree char *poster = reel_blob_key_video_file ("lXNXZv8TJJ4", REEL_POSTER_FILE);
  g_autofree char *init = reel_blob_key_segment ("lXNXZv8TJJ4", "240p", "init-0.mp4");
  g_autofree char *seg = reel_blob_key_media_segment ("lXNXZv8TJJ4", "audio", 7);
  g_autofree char *prefix = reel_blob_key_video_prefix ("lXNXZv8TJJ4");
  const char *file = NULL;
  char *id = NULL;

  g_assert_cmpstr (original, ==, "originals/lXNXZv8TJJ4");
  g_assert_cmpstr (poster, ==, "videos/lXNXZv8TJJ4/poster.jpg");
  g_assert_cmpstr (init, ==, "videos/lXNXZv8TJJ4/240p/init-0.mp4");
  g_assert_cmpstr (seg, ==, "videos/lXNXZv8TJJ4/audio/7.m4s");
  g_assert_true (g_str_has_prefix (seg, prefix));
  g_assert_cmpint (reel_blob_key_parse (original, &id, &file), ==, REEL_BLOB_KEY_ORIGINAL);
  g_assert_cmpstr (id, ==, "lXNXZv8TJJ4");
  g_clear_pointer (&id, g_free);
  g_assert_cmpint (reel_blob_key_parse (poster, &id, &file), ==, REEL_BLOB_KEY_VIDEO_FILE);
  g_assert_cmpstr (file, ==, "poster.jpg");
  g_clear_pointer (&id, g_free);
  g_assert_cmpint (reel_blob_key_parse (seg, &id, &file), ==, REEL_BLOB_KEY_SEGMENT);
  g_assert_cmpstr (id, ==, "lXNXZv8TJJ4");
  g_assert_cmpstr (file, ==, "7.m4s");
  g_clear_pointer (&id, g_free);
  g_assert_cmpint (reel_blob_key_parse ("uploads/x", &id, &file), ==, REEL_BLOB_KEY_OTHER);
  g_free (id);
}

static void
put_chunk (ReelTxn *txn, guint32 index, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) o = reel_json_parse_object (text, strlen (text), &error);
  g_assert_true (reel_chunks_put (txn, "lXNXZv8TJJ4", index, o, &error));
  g_assert_no_error (error);
}

static char *
playlist (ReelStore *store, const ReelVideo *v, const char *cdn, const char *name, gboolean *final,
          GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, NULL);
  const char *type = NULL;
  return reel_playback_playlist (txn, v, cdn, name, &type, final, error);
}

static void
test_playback (StoreFixture *f, gconstpointer data)
{
  g_autoptr (ReelVideo) v = parse_video (READY_RECORD);
  g_autoptr (GError) error = NULL;
  g_autofree char *master = NULL, *media = NULL, *audio = NULL, *partial = NULL, *cdn = NULL;
  g_autofree char *none = NULL;
  gboolean final = FALSE;
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (f->store, TRUE, NULL);
    put_chunk (txn, 0, CHUNK0);
    put_chunk (txn, 1, CHUNK1);
    put_chunk (txn, REEL_CHUNK_AUDIO, AUDIO);
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), NULL));
  }

  master = playlist (f->store, v, NULL, REEL_PLAYLIST_MASTER, &final, &error);
  g_assert_no_error (error);
  g_assert_true (final);
  g_assert_nonnull (strstr (master, "240p.m3u8"));
  g_assert_nonnull (strstr (master, "avc1.64000D"));
  g_assert_nonnull (strstr (master, "audio.m3u8"));
  media = playlist (f->store, v, NULL, "240p.m3u8", &final, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (media, "240p/init-0.mp4"));
  g_assert_nonnull (strstr (media, "240p/0.m4s"));
  g_assert_nonnull (strstr (media, "#EXT-X-ENDLIST"));
  audio = playlist (f->store, v, NULL, "audio.m3u8", &final, &error);
  g_assert_nonnull (strstr (audio, "audio/1.m4s")); /* all the sound once ready */

  /* Playable with only chunk 0 done: an EVENT playlist, sound trimmed to
   * the picture (2 s: its first segment of 1.984 s and the next). */
  v->state = REEL_VIDEO_PLAYABLE;
  v->chunks_done = 1;
  partial = playlist (f->store, v, NULL, "240p.m3u8", &final, &error);
  g_assert_no_error (error);
  g_assert_false (final);
  g_assert_null (strstr (partial, "#EXT-X-ENDLIST"));

  cdn = playlist (f->store, v, "https://cdn.example/videos/lXNXZv8TJJ4/", "240p.m3u8", &final,
                  &error);
  g_assert_nonnull (strstr (cdn, "https://cdn.example/videos/lXNXZv8TJJ4/240p/0.m4s"));

  /* The picture goes no further than the sound's head (app/video/chunks.h):
   * with both chunks done (2 s each here) and 2.005 s of sound, one
   * segment of each; the head's own init segment. */
  {
    static const char chunk1[]
        = "{\"renditions\":[{\"name\":\"240p\",\"init\":\"init-1.mp4\",\"first_segment\":1,"
          "\"durations_ns\":[2000000000],\"sizes\":[9000],\"width\":320,\"height\":240,"
          "\"kbps\":400}],\"chunk\":1,\"video_id\":\"lXNXZv8TJJ4\"}";
    g_autofree char *pic = NULL, *sound = NULL;
    {
      g_autoptr (ReelTxn) txn = reel_store_begin (f->store, TRUE, NULL);
      put_chunk (txn, 1, chunk1);
      put_chunk (txn, REEL_CHUNK_AUDIO, AUDIO_HEAD);
      g_assert_true (reel_txn_commit (g_steal_pointer (&txn), NULL));
    }
    v->chunks_done = 2;
    pic = playlist (f->store, v, NULL, "240p.m3u8", &final, &error);
    sound = playlist (f->store, v, NULL, "audio.m3u8", &final, &error);
    g_assert_no_error (error);
    g_assert_nonnull (strstr (pic, "\n240p/0.m4s\n"));
    g_assert_null (strstr (pic, "240p/1.m4s"));
    g_assert_nonnull (strstr (sound, "audio/init-0.mp4"));
    g_assert_nonnull (strstr (sound, "\naudio/0.m4s\n"));
    /* With the whole sound, the whole picture done so far. */
    {
      g_autoptr (ReelTxn) txn = reel_store_begin (f->store, TRUE, NULL);
      put_chunk (txn, REEL_CHUNK_AUDIO, AUDIO);
      g_assert_true (reel_txn_commit (g_steal_pointer (&txn), NULL));
    }
    g_free (pic);
    pic = playlist (f->store, v, NULL, "240p.m3u8", &final, &error);
    g_assert_nonnull (strstr (pic, "\n240p/1.m4s\n"));
  }

  none = playlist (f->store, v, NULL, "1080p.m3u8", &final, &error);
  g_assert_null (none);
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
  g_assert_true (reel_playback_rendition_known (v, "240p"));
  g_assert_true (reel_playback_rendition_known (v, "audio"));
  g_assert_false (reel_playback_rendition_known (v, "1080p"));
}

/* The visibility rule over every privacy × moderation × viewer. */
static void
test_visibility (void)
{
  const ReelViewer owner = { "amy", REEL_USER_ROLE_USER }, other = { "bob", REEL_USER_ROLE_USER },
                   anonymous = { NULL, REEL_USER_ROLE_USER },
                   moderator = { "mo", REEL_USER_ROLE_MODERATOR };
  /* [privacy][moderation] -> sight of other/anonymous; listed */
  const struct
  {
    ReelPrivacy privacy;
    ReelModeration moderation;
    ReelSight stranger;
    gboolean listed, signed_media;
  } rows[] = {
    { REEL_PRIVACY_PUBLIC, REEL_MODERATION_NONE, REEL_SIGHT_WATCH, TRUE, FALSE },
    { REEL_PRIVACY_UNLISTED, REEL_MODERATION_NONE, REEL_SIGHT_WATCH, FALSE, FALSE },
    { REEL_PRIVACY_PRIVATE, REEL_MODERATION_NONE, REEL_SIGHT_NONE, FALSE, TRUE },
    { REEL_PRIVACY_PUBLIC, REEL_MODERATION_HELD, REEL_SIGHT_NONE, FALSE, TRUE },
    { REEL_PRIVACY_PUBLIC, REEL_MODERATION_BLOCKED, REEL_SIGHT_REASON, FALSE, TRUE },
    { REEL_PRIVACY_PRIVATE, REEL_MODERATION_BLOCKED, REEL_SIGHT_REASON, FALSE, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr (ReelVideo) v = reel_video_new ("AAAAAAAAAAA");
      v->owner = g_strdup ("amy");
      v->privacy = rows[i].privacy;
      v->moderation = rows[i].moderation;
      g_assert_cmpint (reel_video_sight (v, &owner), ==, REEL_SIGHT_WATCH);
      g_assert_cmpint (reel_video_sight (v, &moderator), ==, REEL_SIGHT_WATCH);
      g_assert_cmpint (reel_video_sight (v, &other), ==, rows[i].stranger);
      g_assert_cmpint (reel_video_sight (v, &anonymous), ==, rows[i].stranger);
      g_assert_cmpint (reel_video_is_listed (v), ==, rows[i].listed);
      g_assert_cmpint (reel_video_needs_signature (v), ==, rows[i].signed_media);
      /* A banned owner's video: hidden from everyone else, never listed. */
      v->owner_banned = TRUE;
      g_assert_cmpint (reel_video_sight (v, &moderator), ==, REEL_SIGHT_WATCH);
      g_assert_cmpint (reel_video_sight (v, &other), ==, REEL_SIGHT_NONE);
      g_assert_cmpint (reel_video_sight (v, &anonymous), ==, REEL_SIGHT_NONE);
      g_assert_false (reel_video_is_listed (v));
    }
}

/* Applies event type with data to the record of the video it names in
 * f's store, then reads the record back. */
static ReelVideo *
apply (StoreFixture *f, const char *type, JsonObject *data)
{
  const char *id = json_object_get_string_member (data, "video_id");
  g_autoptr (ReelEvent) ev = g_new0 (ReelEvent, 1);
  g_autoptr (GError) error = NULL;
  ReelVideo *v;
  ev->type = g_strdup (type);
  ev->v = 1;
  ev->id = g_strdup_printf ("ev-%u", ++f->clock);
  ev->at = g_strdup ("2026-12-06T22:00:00Z");
  ev->data = json_object_ref (data);
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (f->store, TRUE, &error);
    g_assert_no_error (error);
    g_assert_true (reel_lifecycle_apply_event (txn, ev, &error));
    g_assert_no_error (error);
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
  }
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (f->store, FALSE, &error);
    v = reel_videos_load (txn, id, &error);
    g_assert_no_error (error);
    g_assert_nonnull (v);
  }
  return v;
}

static JsonObject *
set_event (const ReelVideo *v, guint set, const char *reason)
{
  JsonObject *o = reason ? json_object_new () : reel_video_plan_to_event (v->plan, v->id);
  json_object_set_string_member (o, "video_id", v->id);
  json_object_set_int_member (o, "set", set);
  if (reason)
    json_object_set_string_member (o, "reason", reason);
  return o;
}

/* A re-transcode given up: only the set being made fails, the video stays
 * ready with its set, the failure is kept (and stored) until the next one,
 * and that one must be newer. */
static void
test_retranscode_failed (StoreFixture *f, gconstpointer unused)
{
  g_autoptr (ReelVideo) v = parse_video (READY_RECORD);
  g_autoptr (ReelVideo) a = NULL, b = NULL, c = NULL, d = NULL, e = NULL;
  g_autoptr (JsonObject) start1 = set_event (v, 1, NULL), start2 = set_event (v, 2, NULL);
  g_autoptr (JsonObject) fail1 = set_event (v, 1, "injected"), fail2 = set_event (v, 2, "no");
  g_autoptr (JsonObject) o = NULL;
  g_autofree char *text = NULL;
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (f->store, TRUE, NULL);
    g_assert_true (reel_videos_store (txn, v, NULL));
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), NULL));
  }
  a = apply (f, "video.retranscoding", start1);
  g_assert_cmpuint (a->next_set, ==, 1);
  /* Another set's failure changes nothing. */
  b = apply (f, "video.retranscode_failed", fail2);
  g_assert_nonnull (b->next_plan);
  g_assert_cmpuint (b->failed_set, ==, 0);
  c = apply (f, "video.retranscode_failed", fail1);
  g_assert_null (c->next_plan);
  g_assert_cmpuint (c->next_set, ==, 0);
  g_assert_cmpint (c->state, ==, REEL_VIDEO_READY);
  g_assert_cmpuint (c->rendition_set, ==, 0);
  g_assert_cmpuint (c->failed_set, ==, 1);
  g_assert_cmpstr (c->failed_set_reason, ==, "injected");
  o = reel_video_to_json (c);
  text = to_text (o);
  g_assert_nonnull (strstr (text, "\"failed_set\":1"));
  /* Its number again: refused; a newer one: made, the failure forgotten. */
  d = apply (f, "video.retranscoding", start1);
  g_assert_null (d->next_plan);
  g_assert_cmpuint (d->failed_set, ==, 1);
  e = apply (f, "video.retranscoding", start2);
  g_assert_cmpuint (e->next_set, ==, 2);
  g_assert_cmpuint (e->failed_set, ==, 0);
  g_assert_null (e->failed_set_reason);
}

/* chunk.transcoded of row index of a set whose one rung is rung: one 2 s
 * segment, numbered as the chunk. */
static JsonObject *
set_chunk (guint32 index, const char *rung)
{
  guint c = index - REEL_CHUNK_SET_BASE (REEL_CHUNK_SET_OF (index));
  g_autofree char *text = g_strdup_printf (
      "{\"renditions\":[{\"name\":\"%s\",\"codecs\":\"avc1.64000D\",\"init\":\"init-%u.mp4\","
      "\"first_segment\":%u,\"durations_ns\":[2000000000],\"sizes\":[9000],\"width\":320,"
      "\"height\":240,\"kbps\":400}],\"chunk\":%u,\"video_id\":\"lXNXZv8TJJ4\"}",
      rung, c, c, index);
  return reel_json_parse_object (text, strlen (text), NULL);
}

/* video.retranscoding of set, its one rung renamed rung. */
static JsonObject *
renamed_set_event (const ReelVideo *v, guint set, const char *rung)
{
  JsonObject *o = set_event (v, set, NULL);
  JsonArray *rungs = json_object_get_array_member (o, "rungs");
  json_object_set_string_member (json_array_get_object_element (rungs, 0), "name", rung);
  return o;
}

/* Makes set of v whole, its rung named rung; the record after. */
static ReelVideo *
switch_to (StoreFixture *f, const ReelVideo *v, guint set, const char *rung)
{
  g_autoptr (JsonObject) start = renamed_set_event (v, set, rung);
  ReelVideo *after = apply (f, "video.retranscoding", start);
  g_assert_cmpuint (after->next_set, ==, set);
  for (guint c = 0; c < v->plan->chunks_total; c++)
    {
      g_autoptr (JsonObject) done = set_chunk (REEL_CHUNK_SET_BASE (set) + c, rung);
      reel_video_free (after);
      after = apply (f, "chunk.transcoded", done);
      /* Served when its last chunk is in, not before. */
      g_assert_cmpuint (after->rendition_set, ==,
                        c + 1 < v->plan->chunks_total ? v->rendition_set : set);
    }
  return after;
}

/* After a switch the set served before is retired, not dropped: a player
 * that read the master playlist before the switch still gets its media
 * playlists (issue 18: playback never breaks), and the clean-up keeps its
 * blobs for the grace period after the switch, then not; the next switch
 * drops its rows. */
static void
store_video (StoreFixture *f, const ReelVideo *v)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (f->store, TRUE, NULL);
  g_assert_true (reel_videos_store (txn, v, NULL));
  g_assert_true (reel_txn_commit (g_steal_pointer (&txn), NULL));
}

static ReelVideo *
get_shared (StoreFixture *f, const char *id, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (f->store, FALSE, NULL);
  return reel_videos_get_shared (txn, id, error);
}

static void
test_shared (StoreFixture *f, gconstpointer unused)
{
  g_autoptr (ReelVideo) v = parse_video (READY_RECORD);
  g_autoptr (ReelVideo) one = NULL, again = NULL, edited = NULL, banned = NULL, gone = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *owner = g_strdup (v->owner);

  store_video (f, v);
  one = get_shared (f, v->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (one->title, ==, v->title);
  g_assert_false (one->owner_banned);
  again = get_shared (f, v->id, &error);
  g_assert_true (again == one);
  /* The lists of videos read the same record. */
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (f->store, FALSE, NULL);
    g_autoptr (ReelVideo) listed = reel_videos_load_shared (txn, v->id, &error);
    g_assert_true (listed == one);
  }

  /* An edit is a new version; the reference read before it is unchanged. */
  g_free (v->title);
  v->title = g_strdup ("edited since");
  store_video (f, v);
  edited = get_shared (f, v->id, &error);
  g_assert_no_error (error);
  g_assert_true (edited != one);
  g_assert_cmpstr (edited->title, ==, "edited since");
  g_assert_cmpstr (one->title, !=, "edited since");

  /* The ban lives in the users table: it is seen at once too. */
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (f->store, TRUE, NULL);
    g_autoptr (JsonObject) user = json_object_new ();
    json_object_set_string_member (user, "username", owner);
    json_object_set_string_member (user, "banned", "2026-12-07T00:00:00Z");
    g_assert_true (reel_txn_put_json (txn, REEL_DB_USERS, owner, strlen (owner), user, NULL));
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), NULL));
  }
  banned = get_shared (f, v->id, &error);
  g_assert_no_error (error);
  g_assert_true (banned->owner_banned);
  g_assert_false (edited->owner_banned);
  /* And so is its lifting (app/users/users.c keeps what it found per record). */
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (f->store, TRUE, NULL);
    g_autoptr (JsonObject) user = json_object_new ();
    g_autoptr (ReelVideo) lifted = NULL;
    json_object_set_string_member (user, "username", owner);
    g_assert_true (reel_txn_put_json (txn, REEL_DB_USERS, owner, strlen (owner), user, NULL));
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), NULL));
    lifted = get_shared (f, v->id, &error);
    g_assert_false (lifted->owner_banned);
    g_assert_true (banned->owner_banned);
  }

  /* Deleted, or never a video's id. */
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (f->store, TRUE, NULL);
    g_assert_true (reel_videos_remove (txn, v->id, NULL));
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), NULL));
  }
  gone = get_shared (f, v->id, &error);
  g_assert_null (gone);
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (get_shared (f, "../x", &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND);
  /* The references outlive their versions. */
  g_assert_cmpstr (one->id, ==, v->id);
}

static void
test_retranscode_switch (StoreFixture *f, gconstpointer unused)
{
  g_autoptr (ReelVideo) v = parse_video (READY_RECORD);
  g_autoptr (ReelVideo) one = NULL, two = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) at = g_date_time_new_from_iso8601 ("2026-12-06T22:00:00Z", NULL);
  gint64 t = g_date_time_to_unix (at);
  g_autofree char *master = NULL, *old = NULL, *now = NULL;
  g_autofree char *old_seg = reel_blob_key_media_segment (v->id, "240p", 0);
  g_autofree char *new_seg = reel_blob_key_media_segment (v->id, "240p_1", 0);
  gboolean final = FALSE;
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (f->store, TRUE, NULL);
    g_assert_true (reel_videos_store (txn, v, NULL));
    put_chunk (txn, 0, CHUNK0);
    put_chunk (txn, 1, CHUNK1);
    put_chunk (txn, REEL_CHUNK_AUDIO, AUDIO);
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), NULL));
  }
  one = switch_to (f, v, 1, "240p_1");
  g_assert_cmpuint (one->rendition_set, ==, 1);
  g_assert_nonnull (one->retired_plan);
  g_assert_cmpuint (one->retired_set, ==, 0);
  g_assert_cmpstr (one->retired_at, ==, "2026-12-06T22:00:00Z");
  g_assert_cmpstr (g_array_index (one->retired_plan->rungs, ReelRung, 0).name, ==, "240p");

  /* The master names the new set only; the old rung's media playlist
   * still answers, from the old set's rows. */
  master = playlist (f->store, one, NULL, REEL_PLAYLIST_MASTER, &final, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (master, "\n240p_1.m3u8\n"));
  g_assert_null (strstr (master, "\n240p.m3u8\n"));
  g_assert_true (reel_playback_retired_playlist (one, "240p.m3u8"));
  g_assert_false (reel_playback_retired_playlist (one, "240p_1.m3u8"));
  g_assert_false (reel_playback_retired_playlist (one, "audio.m3u8"));
  g_assert_false (reel_playback_retired_playlist (one, REEL_PLAYLIST_MASTER));
  old = playlist (f->store, one, "https://cdn.example/x/", "240p.m3u8", &final, &error);
  g_assert_no_error (error);
  g_assert_true (final);
  g_assert_nonnull (strstr (old, "\n240p/0.m4s\n")); /* from here, not the CDN */
  g_assert_nonnull (strstr (old, "#EXT-X-ENDLIST"));
  now = playlist (f->store, one, NULL, "240p_1.m3u8", &final, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (now, "\n240p_1/1.m4s\n"));

  /* Kept for the grace period after the switch, then not. */
  g_assert_true (reel_video_retired_served (one, t + 59, 60));
  g_assert_false (reel_video_retired_served (one, t + 60, 60));
  g_assert_false (reel_video_retired_served (v, t, 60));
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (f->store, FALSE, NULL);
    g_autoptr (GHashTable) kept = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr (GHashTable) later = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr (GHashTable) cdn = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_assert_true (reel_videos_blob_keys (txn, v->id, t + 59, 60, kept, NULL));
    g_assert_true (reel_videos_blob_keys (txn, v->id, t + 60, 60, later, NULL));
    g_assert_true (reel_videos_blob_keys (txn, v->id, 0, 0, cdn, NULL));
    g_assert_true (g_hash_table_contains (kept, old_seg));
    g_assert_true (g_hash_table_contains (kept, new_seg));
    g_assert_false (g_hash_table_contains (later, old_seg));
    g_assert_true (g_hash_table_contains (later, new_seg));
    g_assert_false (g_hash_table_contains (cdn, old_seg));
  }

  /* The next switch retires set 1 and drops set 0's rows. */
  two = switch_to (f, one, 2, "240p_2");
  g_assert_cmpuint (two->retired_set, ==, 1);
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (f->store, FALSE, NULL);
    g_assert_false (reel_chunks_has (txn, v->id, 0));
    g_assert_false (reel_chunks_has (txn, v->id, 1));
    g_assert_true (reel_chunks_has (txn, v->id, REEL_CHUNK_SET_BASE (1)));
    g_assert_true (reel_chunks_has (txn, v->id, REEL_CHUNK_AUDIO));
  }
  g_assert_false (reel_playback_retired_playlist (two, "240p.m3u8"));
  g_assert_true (reel_playback_retired_playlist (two, "240p_1.m3u8"));
}

/* The chapters of a description, as "start title;" pairs, or "none". */
static char *
chapters_of (const char *description)
{
  g_autoptr (GArray) c = reel_chapters_parse (description);
  GString *out = g_string_new (NULL);
  if (!c)
    return g_string_free (g_string_append (out, "none"), FALSE);
  for (guint i = 0; i < c->len; i++)
    g_string_append_printf (out, "%u %s;", g_array_index (c, ReelChapter, i).start_s,
                            g_array_index (c, ReelChapter, i).title);
  return g_string_free (out, FALSE);
}

static void
test_chapters (void)
{
  const struct
  {
    const char *description, *want;
  } cases[] = {
    { "My trip.\n\n0:00 Intro\n1:30 - The harbour\n  12:05: Night\n1:02:03 \u2013 Q&A\nThanks!",
      "0 Intro;90 The harbour;725 Night;3723 Q&A;" },
    /* Not from 0:00, going back, a single line, times in sentences. */
    { "0:10 Intro\n1:00 End", "none" },
    { "0:00 Intro\n2:00 B\n1:00 C", "none" },
    { "0:00 Intro", "none" },
    { "We met at 3:15 and left at 4:20.", "none" },
    /* Malformed times are not chapter lines; a time with no title neither. */
    { "0:00 Intro\n1:5 bad\n1:75 bad\n2:00\n3:00 Outro", "0 Intro;180 Outro;" },
    { NULL, "none" },
    { "", "none" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = chapters_of (cases[i].description);
      g_assert_cmpstr (got, ==, cases[i].want);
    }
  /* Overlong titles are cut at 100 characters, on a character boundary. */
  {
    g_autoptr (GString) d = g_string_new ("0:00 ");
    g_autoptr (GArray) c = NULL;
    for (guint i = 0; i < 150; i++)
      g_string_append (d, "\u00e9");
    g_string_append (d, "\n0:10 Two");
    c = reel_chapters_parse (d->str);
    g_assert_nonnull (c);
    g_assert_cmpint (g_utf8_strlen (g_array_index (c, ReelChapter, 0).title, -1), ==, 100);
    g_assert_true (g_utf8_validate (g_array_index (c, ReelChapter, 0).title, -1, NULL));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/video/record/round-trip", test_record_round_trip);
  g_test_add_func ("/video/record/names", test_record_names);
  g_test_add_func ("/video/record/sets", test_record_sets);
  g_test_add_func ("/video/chunks/round-trip", test_chunks_round_trip);
  g_test_add_func ("/video/blob-keys", test_blob_keys);
  g_test_add_func ("/video/visibility", test_visibility);
  g_test_add_func ("/video/chapters", test_chapters);
  g_test_add ("/video/playback", StoreFixture, NULL, store_fixture_set_up, test_playback,
              store_fixture_tear_down);
  g_test_add ("/video/shared", StoreFixture, NULL, store_fixture_set_up, test_shared,
              store_fixture_tear_down);
  g_test_add ("/video/retranscode-switch", StoreFixture, NULL, store_fixture_set_up,
              test_retranscode_switch, store_fixture_tear_down);
  g_test_add ("/video/retranscode-failed", StoreFixture, NULL, store_fixture_set_up,
              test_retranscode_failed, store_fixture_tear_down);
  return g_test_run ();
}
