/* HTTP edge of live streaming (app/live/live.c, media/live/live_packager.c):
 *   POST /api/v1/live/keys                         create my stream key (shown once)
 *   GET  /api/v1/live                              channels live now, cursor paging
 *   GET  /api/v1/live/{channel}                    a channel's live state and SRT address
 *   GET  /live/{channel}/master.m3u8[?rewind=S]    live HLS multivariant playlist
 *   GET  /live/{channel}/{playlist}[?rewind=S]     live media playlist (<rendition>.m3u8)
 *   GET  /live/{channel}/{session}/{rendition}/{file}  init.mp4 and <n>.m4s segments
 * rewind=S asks the player to start S seconds behind the live edge (as far
 * as the window reaches). Playlists change every segment and are not
 * cached; segments never change (their URL names the session). */
#include "app/live/live.h"
#include "core/error.h"
#include "core/json.h"
#include "core/text.h"
#include "http/query.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"
#include "media/live/live_packager.h"

/* Nobody rewinds further than a day; the window is usually minutes. */
#define REWIND_MAX_S 86400

/* The SRT address of a channel's slot, as a client should dial it. */
static char *
srt_url (ReelRequest *req, gint64 slot)
{
  const ReelConfig *cfg = req->http->cfg;
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (cfg->live_srt_host);
  const char *host = cfg->live_srt_host;
  gboolean v6;
  /* Bound to every interface: the client reaches it where it reached us. */
  if (addr && g_inet_address_get_is_any (addr))
    host = g_uri_get_host (soup_server_message_get_uri (req->msg));
  v6 = strchr (host, ':') != NULL;
  return g_strdup_printf ("srt://%s%s%s:%" G_GINT64_FORMAT, v6 ? "[" : "", host, v6 ? "]" : "",
                          cfg->live_srt_port + slot);
}

typedef struct
{
  char *channel;
} KeyInput;

static void
key_input_free (gpointer p)
{
  KeyInput *in = p;
  g_free (in->channel);
  g_free (in);
}

static JsonNode *
create_key_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  KeyInput *in = data;
  g_autofree char *key = NULL;
  JsonObject *out;
  if (!reel_live_create_key (http->bus, http->store, in->channel, http->cfg->live_max_channels,
                             &key, &reply->seq, error))
    return NULL;
  out = json_object_new ();
  json_object_set_string_member (out, "channel", in->channel);
  json_object_set_string_member (out, "key", key);
  return json_node_init_object (json_node_alloc (), out);
}

static void
post_keys (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  KeyInput *in;
  if (!user)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (KeyInput, 1);
  in->channel = g_steal_pointer (&user);
  reel_request_run_command (req, SOUP_STATUS_CREATED, create_key_command, in, key_input_free);
}

static JsonObject *
channel_view (JsonObject *rec, gpointer data)
{
  ReelRequest *req = data;
  JsonObject *out = reel_live_public (rec);
  g_autofree char *url = srt_url (req, json_object_get_int_member_with_default (rec, "slot", 0));
  json_object_set_string_member (out, "srt_url", url);
  return out;
}

static void
get_channel (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) rec
      = reel_live_get (req->http->store, reel_request_param (req, "channel"), &error);
  if (!rec)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  g_autoptr (JsonObject) out = channel_view (rec, req);
  reel_respond_object (req->msg, SOUP_STATUS_OK, out);
}

static void
list_live (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_auto (ReelPage) page = { 0 };
  g_autoptr (JsonObject) out = NULL;
  if (reel_request_page (req, &page, &error))
    out = reel_live_list_live (req->http->store, &page, channel_view, req, &error);
  reel_request_answer (req, out, error);
}

/* rewind=S in seconds; FALSE (answered 400) when malformed. */
static gboolean
rewind_param (ReelRequest *req, guint64 *rewind_ns)
{
  const char *text = reel_request_query (req, "rewind");
  guint64 s = 0;
  if (text && !reel_text_to_uint (text, 0, REWIND_MAX_S, &s))
    {
      reel_respond_fail (req->msg, REEL_ERROR_INVALID,
                         "rewind must be a whole number of seconds, 0 to 86400");
      return FALSE;
    }
  *rewind_ns = s * G_GUINT64_CONSTANT (1000000000);
  return TRUE;
}

/* Answers with text, or with error when text is NULL. */
static void
respond_playlist (ReelRequest *req, char *text, const GError *error)
{
  if (!text)
    reel_respond_error (req->msg, error);
  else
    reel_respond_text (req->msg, "application/vnd.apple.mpegurl", text, "no-cache");
}

static void
get_master (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  guint64 rewind_ns;
  char *text;
  reel_respond_allow_any_origin (req->msg);
  if (!rewind_param (req, &rewind_ns))
    return;
  text = reel_live_packager_master (req->http->live_packager, reel_request_param (req, "channel"),
                                    rewind_ns, &error);
  respond_playlist (req, text, error);
}

static void
get_media (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  const char *playlist = reel_request_param (req, "playlist");
  g_autofree char *name = NULL;
  guint64 rewind_ns;
  char *text;
  reel_respond_allow_any_origin (req->msg);
  if (!g_str_has_suffix (playlist, ".m3u8"))
    {
      reel_respond_fail (req->msg, REEL_ERROR_NOT_FOUND, "no such resource");
      return;
    }
  if (!rewind_param (req, &rewind_ns))
    return;
  name = g_strndup (playlist, strlen (playlist) - strlen (".m3u8"));
  text = reel_live_packager_media (req->http->live_packager, reel_request_param (req, "channel"),
                                   name, rewind_ns, &error);
  respond_playlist (req, text, error);
}

static void
get_segment (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  const char *file = reel_request_param (req, "file");
  SoupMessageHeaders *h = soup_server_message_get_response_headers (req->msg);
  g_autoptr (GBytes) data = NULL;
  reel_respond_allow_any_origin (req->msg);
  data = reel_live_packager_segment (req->http->live_packager, reel_request_param (req, "channel"),
                                     reel_request_param (req, "session"),
                                     reel_request_param (req, "rendition"), file, &error);
  if (!data)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  soup_message_headers_replace (h, "Cache-Control", REEL_CACHE_IMMUTABLE);
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (
      h, g_str_has_suffix (file, ".mp4") ? "video/mp4" : "video/iso.segment", NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (req->msg), data);
}

void reel_api_live_register (ReelRouter *router);

void
reel_api_live_register (ReelRouter *router)
{
  reel_router_add (router, "POST", "/api/v1/live/keys", post_keys);
  reel_router_add (router, "GET", "/api/v1/live", list_live);
  reel_router_add (router, "GET", "/api/v1/live/{channel}", get_channel);
  reel_router_add (router, "GET", "/live/{channel}/master.m3u8", get_master);
  reel_router_add (router, "GET", "/live/{channel}/{playlist}", get_media);
  reel_router_add (router, "GET", "/live/{channel}/{session}/{rendition}/{file}", get_segment);
}
