/* See respond.h. */
#include "http/respond.h"
#include "core/error.h"
#include "core/json.h"

#include <glib/gstdio.h>

guint
reel_respond_status_for (const GError *error)
{
  if (error->domain != REEL_ERROR)
    return SOUP_STATUS_INTERNAL_SERVER_ERROR;
  switch ((ReelErrorCode)error->code)
    {
    case REEL_ERROR_INVALID:
      return SOUP_STATUS_BAD_REQUEST;
    case REEL_ERROR_UNAUTHORIZED:
      return SOUP_STATUS_UNAUTHORIZED;
    case REEL_ERROR_FORBIDDEN:
      return SOUP_STATUS_FORBIDDEN;
    case REEL_ERROR_NOT_FOUND:
      return SOUP_STATUS_NOT_FOUND;
    case REEL_ERROR_CONFLICT:
      return SOUP_STATUS_CONFLICT;
    case REEL_ERROR_TOO_LARGE:
    case REEL_ERROR_QUOTA_EXCEEDED:
      return SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
    case REEL_ERROR_UNSUPPORTED:
      return SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE;
    case REEL_ERROR_UNPROCESSABLE:
      return SOUP_STATUS_UNPROCESSABLE_ENTITY;
    case REEL_ERROR_RATE_LIMITED:
      return 429;
    case REEL_ERROR_BLOCKED:
      return 451; /* Unavailable For Legal Reasons (RFC 7725) */
    case REEL_ERROR_UNAVAILABLE:
      return SOUP_STATUS_SERVICE_UNAVAILABLE;
    case REEL_ERROR_INTERNAL:
    default:
      return SOUP_STATUS_INTERNAL_SERVER_ERROR;
    }
}

void
reel_respond_json (SoupServerMessage *msg, guint status, JsonNode *body)
{
  char *text = reel_json_to_string (body);
  g_autoptr (GBytes) bytes = g_bytes_new_take (text, strlen (text));
  reel_respond_json_text (msg, status, bytes);
}

void
reel_respond_json_text (SoupServerMessage *msg, guint status, GBytes *text)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  /* libsoup has no reason phrase for 429 (RFC 6585) nor 451 (RFC 7725). */
  soup_server_message_set_status (msg, status,
                                  status == 429   ? "Too Many Requests"
                                  : status == 451 ? "Unavailable For Legal Reasons"
                                                  : NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Content-Type", "application/json");
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), text);
}

void
reel_respond_object (SoupServerMessage *msg, guint status, JsonObject *body)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, body);
  reel_respond_json (msg, status, node);
}

void
reel_respond_error_code (SoupServerMessage *msg, guint status, const char *code,
                         const char *message)
{
  g_autoptr (JsonObject) outer = json_object_new ();
  JsonObject *inner = json_object_new ();
  json_object_set_string_member (inner, "code", code);
  json_object_set_string_member (inner, "message", message);
  json_object_set_object_member (outer, "error", inner);
  reel_respond_object (msg, status, outer);
}

void
reel_respond_fail (SoupServerMessage *msg, ReelErrorCode code, const char *message)
{
  const GError error = { REEL_ERROR, code, (char *)message };
  reel_respond_error_code (msg, reel_respond_status_for (&error), reel_error_code_name (code),
                           message);
}

void
reel_respond_error (SoupServerMessage *msg, const GError *error)
{
  guint status = reel_respond_status_for (error);
  const char *code = error->domain == REEL_ERROR ? reel_error_code_name (error->code) : "internal";
  if (status >= 500)
    g_warning ("%s %s: %s", soup_server_message_get_method (msg),
               g_uri_get_path (soup_server_message_get_uri (msg)), error->message);
  /* An internal failure's details are for the log, not the client. */
  reel_respond_error_code (msg, status, code,
                           status == SOUP_STATUS_INTERNAL_SERVER_ERROR ? "internal error"
                                                                       : error->message);
}

void
reel_respond_text (SoupServerMessage *msg, const char *type, char *text, const char *cache_control)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                cache_control);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_TAKE, text, strlen (text));
}

void
reel_respond_allow_any_origin (SoupServerMessage *msg)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Access-Control-Allow-Origin", "*");
}

/* libsoup 3.2 drops a 204's Content-Length as it writes the head, which
 * leaves the answer "ended by closing the connection", so it closes every
 * keep-alive connection after a 204 (a tus PATCH, an edit). Its body is
 * empty by definition: say so once the head is out. */
static void
no_content_written (SoupServerMessage *msg, gpointer data)
{
  soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                     SOUP_ENCODING_NONE);
}

void
reel_respond_empty (SoupServerMessage *msg, guint status)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, NULL, SOUP_MEMORY_STATIC, NULL, 0);
  if (status == SOUP_STATUS_NO_CONTENT
      && !g_signal_handler_find (msg, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, no_content_written, NULL))
    g_signal_connect (msg, "wrote-headers", G_CALLBACK (no_content_written), NULL);
}

/* An entity tag without its weak marker. */
static const char *
opaque_tag (const char *tag)
{
  return g_str_has_prefix (tag, "W/") ? tag + 2 : tag;
}

gboolean
reel_etag_matches (const char *if_none_match, const char *etag)
{
  g_auto (GStrv) tags = NULL;
  if (!if_none_match || !etag)
    return FALSE;
  tags = g_strsplit (if_none_match, ",", -1);
  for (guint i = 0; tags[i]; i++)
    {
      const char *t = g_strstrip (tags[i]);
      if (g_str_equal (t, "*") || g_str_equal (opaque_tag (t), opaque_tag (etag)))
        return TRUE;
    }
  return FALSE;
}

gboolean
reel_respond_not_modified (SoupServerMessage *msg, const char *etag, const char *cache_control)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (h, "ETag", etag);
  soup_message_headers_replace (h, "Cache-Control", cache_control);
  if (!reel_etag_matches (soup_message_headers_get_one (
                              soup_server_message_get_request_headers (msg), "If-None-Match"),
                          etag))
    return FALSE;
  reel_respond_empty (msg, SOUP_STATUS_NOT_MODIFIED);
  return TRUE;
}

void
reel_respond_file (SoupServerMessage *msg, const char *path, const char *type,
                   const char *cache_control)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  g_autoptr (GMappedFile) mapped = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *etag = NULL;
  GStatBuf st;

  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode)
      || !(mapped = g_mapped_file_new (path, FALSE, NULL)))
    {
      reel_respond_error_code (msg, SOUP_STATUS_NOT_FOUND,
                               reel_error_code_name (REEL_ERROR_NOT_FOUND), "no such file");
      return;
    }
  etag = g_strdup_printf ("\"%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "\"", (gint64)st.st_size,
                          (gint64)st.st_mtime);
  soup_message_headers_replace (h, "Accept-Ranges", "bytes");
  if (reel_respond_not_modified (msg, etag, cache_control))
    return;
  bytes = g_mapped_file_get_bytes (mapped);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (h, type, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
}
