/* HTTP edge of the protected works (app/checks/works.h), admins only:
 *   POST   /api/v1/admin/works       multipart/form-data: file, title, rights_holder
 *   GET    /api/v1/admin/works
 *   GET    /api/v1/admin/works/{id}
 *   DELETE /api/v1/admin/works/{id}
 *   POST   /api/v1/videos/{id}/dispute  the owner contests a blocking check
 *                                       ({"text"}: held for a moderator)
 * A work's file is a reference clip, not an upload: the body is taken
 * whole (up to uploads.max_bytes, raised before the body is read) and
 * stored as one blob; a check worker fingerprints it (media/checker.h),
 * after which the work is "indexed". */
#include "app/checks/dispute.h"
#include "app/checks/works.h"
#include "app/video/record.h"
#include "app/roles.h"
#include "core/error.h"
#include "core/id.h"
#include "core/json.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"
#include "media/checker.h"
#include "store/blob_keys.h"

void reel_api_works_register (ReelRouter *router, ReelRouter *early);

typedef struct
{
  char *owner;
  char *id;
  char *text;
} DisputeInput;

static void
dispute_input_free (gpointer p)
{
  DisputeInput *in = p;
  g_free (in->owner);
  g_free (in->id);
  g_free (in->text);
  g_free (in);
}

static JsonNode *
dispute_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  DisputeInput *in = data;
  g_autofree char *report = NULL;
  JsonObject *out;
  if (!reel_checks_dispute (http->bus, http->store, in->owner, in->id, in->text, &report,
                            &reply->seq, error))
    return NULL;
  out = json_object_new ();
  json_object_set_string_member (out, "video_id", in->id);
  json_object_set_string_member (out, "report_id", report);
  json_object_set_string_member (out, "state", reel_check_state_name (REEL_CHECK_HELD));
  return json_node_init_object (json_node_alloc (), out);
}

static void
post_dispute (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  g_autoptr (JsonObject) body = user ? reel_request_json (req, &error) : NULL;
  const char *text = body ? reel_json_get_string (body, "text", TRUE, &error) : NULL;
  const char *id = reel_request_param (req, "id");
  DisputeInput *in;
  if (!error && !reel_id_valid (id))
    g_set_error_literal (&error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no such video");
  if (error)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (DisputeInput, 1);
  in->owner = g_steal_pointer (&user);
  in->id = g_strdup (id);
  in->text = g_strdup (text);
  reel_request_run_command (req, SOUP_STATUS_CREATED, dispute_command, in, dispute_input_free);
}

static char *
require_admin (ReelRequest *req, GError **error)
{
  g_autofree char *user = reel_request_user (req, error);
  if (!user
      || !reel_roles_require (req->http->store, user, (const char *const *)req->http->cfg->admins,
                              REEL_USER_ROLE_ADMIN, error))
    return NULL;
  return g_steal_pointer (&user);
}

/* Before the body: only an admin may send one this large. */
static guint64
post_works_early (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = require_admin (req, &error);
  if (!user)
    {
      reel_respond_error (req->msg, error);
      return 0;
    }
  return req->http->cfg->upload_max;
}

typedef struct
{
  char *actor;
  char *id;
  char *title;
  char *rights_holder;
  GBytes *file;
} WorkInput;

static void
work_input_free (gpointer p)
{
  WorkInput *in = p;
  g_free (in->actor);
  g_free (in->id);
  g_free (in->title);
  g_free (in->rights_holder);
  g_clear_pointer (&in->file, g_bytes_unref);
  g_free (in);
}

static JsonNode *
register_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  WorkInput *in = data;
  g_autofree char *key = reel_blob_key_work (in->id);
  JsonObject *out;
  if (!reel_blobs_put (http->blobs, key, in->file, error)
      || !reel_works_register (http->bus, in->actor, in->id, in->title, in->rights_holder, key,
                               &reply->seq, error)
      || !reel_checker_queue_work (http->bus, in->id, key, error))
    return NULL;
  out = json_object_new ();
  json_object_set_string_member (out, "id", in->id);
  json_object_set_string_member (out, "title", in->title);
  json_object_set_string_member (out, "rights_holder", in->rights_holder);
  json_object_set_string_member (out, "state", "indexing");
  return json_node_init_object (json_node_alloc (), out);
}

/* The text of a small part. */
static char *
part_text (GBytes *body)
{
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  return g_utf8_validate (data, (gssize)len, NULL) ? g_strndup (data, len) : NULL;
}

static void
post_works (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *actor = require_admin (req, &error);
  SoupMessageHeaders *h = soup_server_message_get_request_headers (req->msg);
  g_autoptr (GBytes) body = NULL;
  SoupMultipart *mp = NULL;
  WorkInput *in;

  if (!actor)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  body = soup_message_body_flatten (soup_server_message_get_request_body (req->msg));
  mp = soup_multipart_new_from_message (h, body);
  if (!mp)
    {
      reel_respond_error_code (req->msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                               "expected a multipart/form-data body with a \"file\" part");
      return;
    }
  in = g_new0 (WorkInput, 1);
  for (int i = 0; i < soup_multipart_get_length (mp); i++)
    {
      SoupMessageHeaders *ph;
      GBytes *pb;
      g_autoptr (GHashTable) params = NULL;
      const char *name;
      if (!soup_multipart_get_part (mp, i, &ph, &pb)
          || !soup_message_headers_get_content_disposition (ph, NULL, &params)
          || !(name = g_hash_table_lookup (params, "name")))
        continue;
      if (g_str_equal (name, "file") && !in->file)
        in->file = g_bytes_ref (pb);
      else if (g_str_equal (name, "title") && !in->title)
        in->title = part_text (pb);
      else if (g_str_equal (name, "rights_holder") && !in->rights_holder)
        in->rights_holder = part_text (pb);
    }
  soup_multipart_free (mp);
  if (!in->file || g_bytes_get_size (in->file) == 0 || !in->title || !in->rights_holder)
    {
      work_input_free (in);
      reel_respond_error_code (req->msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                               "give a file, a title and a rights_holder");
      return;
    }
  in->actor = g_steal_pointer (&actor);
  in->id = reel_id_new ();
  reel_request_run_command (req, SOUP_STATUS_ACCEPTED, register_command, in, work_input_free);
}

static void
get_works (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *actor = require_admin (req, &error);
  g_autoptr (JsonObject) out = actor ? reel_works_list (req->http->store, &error) : NULL;
  if (!out)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  reel_respond_json (req->msg, SOUP_STATUS_OK, json_node_init_object (json_node_alloc (), out));
}

static void
get_work (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *actor = require_admin (req, &error);
  g_autoptr (JsonObject) out
      = actor ? reel_works_get (req->http->store, reel_request_param (req, "id"), &error) : NULL;
  if (!out)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  reel_respond_json (req->msg, SOUP_STATUS_OK, json_node_init_object (json_node_alloc (), out));
}

typedef struct
{
  char *actor;
  char *id;
} DeleteInput;

static void
delete_input_free (gpointer p)
{
  DeleteInput *in = p;
  g_free (in->actor);
  g_free (in->id);
  g_free (in);
}

static JsonNode *
delete_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  DeleteInput *in = data;
  g_autofree char *key = reel_blob_key_work (in->id);
  if (!reel_works_delete (http->bus, http->store, in->actor, in->id, &reply->seq, error))
    return NULL;
  /* The file is no longer needed once the work is gone from the log's
   * projection; a failed delete only leaves a stray blob. */
  reel_blobs_delete (http->blobs, key, NULL);
  return NULL;
}

static void
delete_work (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *actor = require_admin (req, &error);
  DeleteInput *in;
  if (!actor)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (DeleteInput, 1);
  in->actor = g_steal_pointer (&actor);
  in->id = g_strdup (reel_request_param (req, "id"));
  reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, delete_command, in, delete_input_free);
}

void
reel_api_works_register (ReelRouter *router, ReelRouter *early)
{
  reel_router_add (early, "POST", "/api/v1/admin/works", post_works_early);
  reel_router_add (router, "POST", "/api/v1/admin/works", post_works);
  reel_router_add (router, "GET", "/api/v1/admin/works", get_works);
  reel_router_add (router, "GET", "/api/v1/admin/works/{id}", get_work);
  reel_router_add (router, "DELETE", "/api/v1/admin/works/{id}", delete_work);
  reel_router_add (router, "POST", "/api/v1/videos/{id}/dispute", post_dispute);
}
