/* See tus.h. */
#include "cli/tus.h"
#include "core/error.h"
#include "core/fault.h"

#include <stdio.h>
#include <unistd.h>

#define TUS_VERSION "1.0.0"
/* A flaky link gets this many consecutive failed attempts, with pauses
 * growing from 1 s to 30 s (about ten minutes in all), before the command
 * gives up and says how to resume. */
#define MAX_CONSECUTIVE_FAILURES 25
#define MAX_RETRY_PAUSE_S 30
/* Redraw the bar at most this often. */
#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 5)

typedef struct
{
  guint64 size;
  guint64 offset;       /* confirmed by the server */
  guint64 in_flight;    /* sent in the current PATCH, not yet confirmed */
  guint64 session_base; /* offset when this run started */
  gint64 started_us;
  gint64 drawn_us;
  gboolean enabled;
} Progress;

static char *
human_bytes (double b)
{
  const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  guint u = 0;
  while (b >= 1024 && u + 1 < G_N_ELEMENTS (units))
    b /= 1024, u++;
  return g_strdup_printf (u ? "%.1f %s" : "%.0f %s", b, units[u]);
}

static void
progress_draw (Progress *p, gboolean force)
{
  gint64 now = g_get_monotonic_time ();
  guint64 done = MIN (p->offset + p->in_flight, p->size);
  double secs = (double)(now - p->started_us) / G_USEC_PER_SEC;
  double rate = secs > 0 ? (double)(done - p->session_base) / secs : 0;
  const int width = 30;
  int filled = p->size ? (int)((double)done / (double)p->size * width) : width;
  g_autofree char *d = human_bytes ((double)done), *t = human_bytes ((double)p->size);
  g_autofree char *r = human_bytes (rate);
  char bar[32];
  if (!p->enabled || (!force && now - p->drawn_us < PROGRESS_INTERVAL_US))
    return;
  p->drawn_us = now;
  for (int i = 0; i < width; i++)
    bar[i] = i < filled ? '#' : '.';
  bar[width] = '\0';
  if (rate > 0 && done < p->size)
    fprintf (stderr, "\r[%s] %3d%%  %s / %s  %s/s  %.0f s left   ", bar,
             (int)(100.0 * (double)done / (double)p->size), d, t, r,
             (double)(p->size - done) / rate);
  else
    fprintf (stderr, "\r[%s] %3d%%  %s / %s   ", bar,
             p->size ? (int)(100.0 * (double)done / (double)p->size) : 100, d, t);
  fflush (stderr);
}

static void
on_wrote_body_data (SoupMessage *msg, guint chunk, gpointer data)
{
  Progress *p = data;
  p->in_flight += chunk;
  progress_draw (p, FALSE);
}

/* --- where unfinished uploads are remembered --- */

static char *
state_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "reel", "uploads.ini", NULL);
}

static char *
state_key (ReelClient *c, const char *path, GFileInfo *info)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *id
      = g_strdup_printf ("%s\n%s\n%" G_GUINT64_FORMAT "\n%" G_GUINT64_FORMAT, c->server, abs,
                         (guint64)g_file_info_get_size (info),
                         g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED));
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, id, -1);
}

static GKeyFile *
state_load (void)
{
  GKeyFile *kf = g_key_file_new ();
  g_autofree char *path = state_path ();
  g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL);
  return kf;
}

static void
state_save (GKeyFile *kf)
{
  g_autofree char *path = state_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;
  if (g_mkdir_with_parents (dir, 0700) != 0 || !g_key_file_save_to_file (kf, path, &error))
    g_printerr ("reel: cannot remember the upload in %s: %s\n", path,
                error ? error->message : g_strerror (errno));
}

/* --- the protocol --- */

static SoupMessage *
tus_message (ReelClient *c, const char *method, const char *path)
{
  g_autofree char *url = reel_client_url (c, path);
  SoupMessage *msg = soup_message_new (method, url);
  reel_client_authorize (c, msg);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Tus-Resumable",
                                TUS_VERSION);
  return msg;
}

static const char *
header (SoupMessage *msg, const char *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (msg), name);
}

/* The error of an answer that is not what tus expects. */
static void
set_answer_error (SoupMessage *msg, GBytes *body, GError **error)
{
  guint status = soup_message_get_status (msg);
  g_autoptr (JsonNode) root = reel_client_parse_answer (body);
  g_autofree char *m = reel_client_error_message (status, root);
  g_set_error (error, REEL_ERROR,
               status == 401   ? REEL_ERROR_UNAUTHORIZED
               : status == 404 ? REEL_ERROR_NOT_FOUND
               : status == 409 ? REEL_ERROR_CONFLICT
               : status == 413 ? REEL_ERROR_TOO_LARGE
               : status >= 500 ? REEL_ERROR_UNAVAILABLE
                               : REEL_ERROR_INVALID,
               "%s", m);
}

static char *
metadata_pair (const char *key, const char *value)
{
  g_autofree char *b64 = g_base64_encode ((const guchar *)value, strlen (value));
  return g_strdup_printf ("%s %s", key, b64);
}

/* POST /api/v1/uploads; returns the upload's path and the video id. */
static gboolean
tus_create (ReelClient *c, const ReelTusOptions *o, guint64 size, char **location, char **id,
            GError **error)
{
  g_autoptr (SoupMessage) msg = tus_message (c, "POST", "/api/v1/uploads");
  g_autoptr (GPtrArray) meta = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *base = g_path_get_basename (o->path);
  g_autofree char *len = g_strdup_printf ("%" G_GUINT64_FORMAT, size);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GUri) uri = NULL;
  SoupMessageHeaders *h = soup_message_get_request_headers (msg);

  g_ptr_array_add (meta, metadata_pair ("filename", base));
  if (o->title)
    g_ptr_array_add (meta, metadata_pair ("title", o->title));
  if (o->description)
    g_ptr_array_add (meta, metadata_pair ("description", o->description));
  if (o->privacy)
    g_ptr_array_add (meta, metadata_pair ("privacy", o->privacy));
  g_ptr_array_add (meta, NULL);
  {
    g_autofree char *joined = g_strjoinv (",", (char **)meta->pdata);
    soup_message_headers_replace (h, "Upload-Metadata", joined);
  }
  soup_message_headers_replace (h, "Upload-Length", len);
  body = soup_session_send_and_read (c->session, msg, NULL, error);
  if (!body)
    return FALSE;
  if (soup_message_get_status (msg) != SOUP_STATUS_CREATED || !header (msg, "Location")
      || !header (msg, "Reel-Video-Id"))
    {
      set_answer_error (msg, body, error);
      return FALSE;
    }
  /* Location may be absolute or a path: keep the path. */
  uri = g_uri_parse_relative (NULL, header (msg, "Location"), G_URI_FLAGS_NONE, NULL);
  *location = g_strdup (uri ? g_uri_get_path (uri) : header (msg, "Location"));
  *id = g_strdup (header (msg, "Reel-Video-Id"));
  return TRUE;
}

/* HEAD: the server's offset. */
static gboolean
tus_offset (ReelClient *c, const char *location, guint64 *offset, GError **error)
{
  g_autoptr (SoupMessage) msg = tus_message (c, "HEAD", location);
  g_autoptr (GBytes) body = soup_session_send_and_read (c->session, msg, NULL, error);
  if (!body)
    return FALSE;
  if (soup_message_get_status (msg) != SOUP_STATUS_OK || !header (msg, "Upload-Offset"))
    {
      set_answer_error (msg, body, error);
      return FALSE;
    }
  *offset = g_ascii_strtoull (header (msg, "Upload-Offset"), NULL, 10);
  return TRUE;
}

/* One PATCH of data at offset; the server's new offset. */
static gboolean
tus_patch (ReelClient *c, const char *location, guint64 offset, GBytes *data, Progress *p,
           guint64 *new_offset, GError **error)
{
  g_autoptr (SoupMessage) msg = tus_message (c, "PATCH", location);
  g_autofree char *off = g_strdup_printf ("%" G_GUINT64_FORMAT, offset);
  g_autoptr (GBytes) body = NULL;
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Upload-Offset", off);
  soup_message_set_request_body_from_bytes (msg, "application/offset+octet-stream", data);
  g_signal_connect (msg, "wrote-body-data", G_CALLBACK (on_wrote_body_data), p);
  p->in_flight = 0;
  body = soup_session_send_and_read (c->session, msg, NULL, error);
  p->in_flight = 0;
  if (!body)
    return FALSE;
  if (soup_message_get_status (msg) != SOUP_STATUS_NO_CONTENT || !header (msg, "Upload-Offset"))
    {
      set_answer_error (msg, body, error);
      return FALSE;
    }
  *new_offset = g_ascii_strtoull (header (msg, "Upload-Offset"), NULL, 10);
  return TRUE;
}

/* Failures worth retrying: the network, or the server being unavailable. */
static gboolean
transient (const GError *error)
{
  return error->domain != REEL_ERROR || error->code == REEL_ERROR_UNAVAILABLE;
}

/* Test hook (core/fault.h): the command dies after N PATCH requests, as
 * if the laptop lid closed, so a test can prove that running it again
 * resumes. */
static void
maybe_die (guint patches)
{
  const char *n = reel_test_fault ("cli-stop-after-patches");
  if (n && *n && patches == g_ascii_strtoull (n, NULL, 10))
    _exit (3);
}

char *
reel_tus_upload (ReelClient *c, const ReelTusOptions *o, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_commandline_arg (o->path);
  g_autoptr (GFileInfo) info = NULL;
  g_autoptr (GFileInputStream) in = NULL;
  g_autoptr (GKeyFile) state = state_load ();
  g_autofree char *key = NULL, *location = NULL, *id = NULL;
  g_autofree guint8 *buf = NULL;
  Progress p = { 0 };
  guint failures = 0, patches = 0;

  info = g_file_query_info (file,
                            G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_TIME_MODIFIED
                                                           "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                            G_FILE_QUERY_INFO_NONE, NULL, error);
  if (!info)
    return NULL;
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s is not a regular file", o->path);
      return NULL;
    }
  if (!(in = g_file_read (file, NULL, error)))
    return NULL;
  p.size = (guint64)g_file_info_get_size (info);
  p.enabled = o->progress;
  key = state_key (c, o->path, info);

  /* An upload of this very file to this server that did not finish? */
  location = g_key_file_get_string (state, key, "location", NULL);
  id = g_key_file_get_string (state, key, "video", NULL);
  if (location && id)
    {
      g_autoptr (GError) local = NULL;
      if (tus_offset (c, location, &p.offset, &local))
        g_printerr ("resuming the upload of video %s at %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                    " bytes\n",
                    id, p.offset, p.size);
      else if (transient (local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      else
        {
          /* Gone (terminated, or another server's): start afresh. */
          g_printerr ("the earlier upload cannot be resumed (%s); starting again\n",
                      local->message);
          g_clear_pointer (&location, g_free);
          g_clear_pointer (&id, g_free);
        }
    }
  if (!location)
    {
      if (!tus_create (c, o, p.size, &location, &id, error))
        return NULL;
      g_key_file_set_string (state, key, "location", location);
      g_key_file_set_string (state, key, "video", id);
      g_key_file_set_string (state, key, "file", o->path);
      state_save (state);
      g_printerr ("uploading %s as video %s\n", o->path, id);
    }

  p.session_base = p.offset;
  p.started_us = g_get_monotonic_time ();
  buf = g_malloc (o->chunk_size);
  while (p.offset < p.size)
    {
      g_autoptr (GError) local = NULL;
      gsize want = (gsize)MIN (o->chunk_size, p.size - p.offset), got = 0;
      guint64 next = 0;
      if (!g_seekable_seek (G_SEEKABLE (in), (goffset)p.offset, G_SEEK_SET, NULL, error)
          || !g_input_stream_read_all (G_INPUT_STREAM (in), buf, want, &got, NULL, error))
        return NULL;
      if (got != want)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s changed while uploading",
                       o->path);
          return NULL;
        }
      {
        g_autoptr (GBytes) data = g_bytes_new_static (buf, got);
        if (tus_patch (c, location, p.offset, data, &p, &next, &local))
          {
            p.offset = next;
            failures = 0;
            progress_draw (&p, TRUE);
            maybe_die (++patches);
            continue;
          }
      }
      if (!transient (local) && !g_error_matches (local, REEL_ERROR, REEL_ERROR_CONFLICT))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      /* A conflict (409: offsets disagree) or a network failure: ask the
       * server where it is, after a pause for the network's sake. */
      if (++failures > MAX_CONSECUTIVE_FAILURES)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                      "giving up for now after %u attempts (run the same command "
                                      "again to resume): ",
                                      failures - 1);
          return NULL;
        }
      if (p.enabled)
        fprintf (stderr, "\n");
      g_printerr ("upload interrupted (%s); retrying\n", local->message);
      if (transient (local))
        g_usleep ((gulong)MIN (1u << MIN (failures - 1, 5u), MAX_RETRY_PAUSE_S) * G_USEC_PER_SEC);
      g_clear_error (&local);
      if (!tus_offset (c, location, &p.offset, &local) && !transient (local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
    }
  if (p.enabled)
    {
      progress_draw (&p, TRUE);
      fprintf (stderr, "\n");
    }
  g_key_file_remove_group (state, key, NULL);
  state_save (state);
  return g_steal_pointer (&id);
}
