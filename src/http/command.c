/* See command.h. */
#include "http/command.h"
#include "core/error.h"
#include "core/idem.h"
#include "core/metrics.h"
#include "http/request.h"
#include "http/respond.h"

#include <math.h>

/* The SHA-256 of the body of a request with an Idempotency-Key. */
#define DATA_BODY_HASH "reel-body-hash"

static void
hash_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer data)
{
  gsize len;
  const guchar *p = g_bytes_get_data (chunk, &len);
  g_checksum_update (data, p, (gssize)len);
}

void
reel_command_watch_body (SoupServerMessage *msg)
{
  GChecksum *sum;
  if (!soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                     REEL_HTTP_IDEMPOTENCY_KEY))
    return;
  sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_object_set_data_full (G_OBJECT (msg), DATA_BODY_HASH, sum, (GDestroyNotify)g_checksum_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (hash_chunk), sum);
}

typedef struct
{
  ReelRequest *req;
  guint status;
  ReelCommandFunc func;
  gpointer data;
  GDestroyNotify data_free;
  ReelReply reply;
  JsonNode *body;
  gboolean gone;   /* the client disconnected while we worked */
  gboolean scoped; /* an idempotent retry may follow: run in seed's scope */
  guint8 seed[REEL_IDEM_SEED_LEN];
  /* Counted in http->hashing until its thread is done. */
  gboolean hashing;
} Command;

static void
command_gone (SoupServerMessage *msg, gpointer data)
{
  Command *cmd = data;
  cmd->gone = TRUE;
}

/* Answers (with the body, or error when set) unless the client has left,
 * and releases the command. */
static void
command_finish (Command *cmd, const GError *error)
{
  SoupServerMessage *msg = cmd->req->msg;
  if (!cmd->gone)
    {
      for (guint i = 0; !error && cmd->reply.headers && i + 1 < cmd->reply.headers->len; i += 2)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                      cmd->reply.headers->pdata[i],
                                      cmd->reply.headers->pdata[i + 1]);
      if (error)
        reel_respond_error (msg, error);
      else if (cmd->body)
        reel_respond_json (msg, cmd->status, cmd->body);
      else
        reel_respond_empty (msg, cmd->status);
      soup_server_message_unpause (msg);
    }
  g_signal_handlers_disconnect_by_func (msg, command_gone, cmd);
  cmd->req->http->inflight--;
  if (cmd->data_free)
    cmd->data_free (cmd->data);
  g_clear_pointer (&cmd->body, json_node_unref);
  g_clear_pointer (&cmd->reply.headers, g_ptr_array_unref);
  g_object_unref (msg);
  g_free (cmd);
}

static void
command_applied (gboolean reached, gpointer data)
{
  Command *cmd = data;
  if (!reached)
    g_warning ("%s: event %" G_GUINT64_FORMAT " not yet applied locally after %u ms; answering "
               "anyway (the write is durable in the log)",
               cmd->req->route, cmd->reply.seq, cmd->req->http->cfg->write_wait_ms);
  command_finish (cmd, NULL);
}

static void
command_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  Command *cmd = data;
  GError *error = NULL;
  if (cmd->scoped)
    reel_idem_begin (cmd->seed);
  cmd->body = cmd->func (cmd->req->http, cmd->data, &cmd->reply, &error);
  if (cmd->scoped)
    reel_idem_end ();
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
command_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Command *cmd = data;
  ReelHttp *http = cmd->req->http;
  g_autoptr (GError) error = NULL;

  if (cmd->hashing)
    http->hashing--;
  if (!g_task_propagate_boolean (G_TASK (res), &error))
    command_finish (cmd, error);
  else if (cmd->reply.seq && http->applied)
    reel_watermark_wait (http->applied, cmd->reply.seq, http->cfg->write_wait_ms, command_applied,
                         cmd);
  else
    command_finish (cmd, NULL);
}

void
reel_reply_header (ReelReply *reply, const char *name, const char *value)
{
  if (!reply->headers)
    reply->headers = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (reply->headers, g_strdup (name));
  g_ptr_array_add (reply->headers, g_strdup (value));
}

/* The idempotency seed of a request with an Idempotency-Key (core/idem.h):
 * who sent it (the user, or nobody), what it does (method and path with
 * the query), the key and the body. FALSE without a key. */
static gboolean
idempotency_seed (ReelRequest *req, guint8 seed[REEL_IDEM_SEED_LEN])
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (req->msg);
  const char *key = soup_message_headers_get_one (h, REEL_HTTP_IDEMPOTENCY_KEY);
  GChecksum *sum = g_object_get_data (G_OBJECT (req->msg), DATA_BODY_HASH);
  GUri *uri = soup_server_message_get_uri (req->msg);
  g_autofree char *user = NULL;
  const char *token;
  if (!key || !sum)
    return FALSE;
  token = soup_message_headers_get_one (h, "Authorization") ? reel_request_token (req, NULL) : NULL;
  user = token ? reel_http_authenticate (req->http, token, NULL, NULL) : NULL;
  reel_idem_seed (seed, user ? user : "", soup_server_message_get_method (req->msg),
                  g_uri_get_path (uri), g_uri_get_query (uri) ? g_uri_get_query (uri) : "", key,
                  g_checksum_get_string (sum), NULL);
  return TRUE;
}

/* A command for func, its message paused until the answer, as a task whose
 * completion answers. */
static GTask *
command_task (ReelRequest *req, guint status, ReelCommandFunc func, gpointer data,
              GDestroyNotify data_free)
{
  Command *cmd = g_new0 (Command, 1);
  GTask *task;
  cmd->scoped = idempotency_seed (req, cmd->seed);
  cmd->req = req;
  cmd->status = status;
  cmd->func = func;
  cmd->data = data;
  cmd->data_free = data_free;
  g_object_ref (req->msg);
  g_signal_connect (req->msg, "disconnected", G_CALLBACK (command_gone), cmd);
  soup_server_message_pause (req->msg);
  req->http->inflight++;
  task = g_task_new (NULL, NULL, command_done, cmd);
  g_task_set_task_data (task, cmd, NULL);
  return task;
}

void
reel_request_run_command (ReelRequest *req, guint status, ReelCommandFunc func, gpointer data,
                          GDestroyNotify data_free)
{
  g_autoptr (GTask) task = command_task (req, status, func, data, data_free);
  g_task_run_in_thread (task, command_thread);
}

/* A thread of the hash pool: runs one password command. */
static void
hash_pool_run (gpointer data, gpointer unused)
{
  g_autoptr (GTask) task = data;
  command_thread (task, NULL, g_task_get_task_data (task), NULL);
}

GThreadPool *
reel_command_hash_pool_new (guint threads)
{
  /* Shares GLib's idle threads, but never runs more than threads. */
  return g_thread_pool_new (hash_pool_run, NULL, (gint)threads, FALSE, NULL);
}

/* argon2id at libsodium's interactive limits takes about 0.1 s of one core:
 * the basis of the Retry-After of a full queue. */
#define HASH_SECONDS_ESTIMATE 0.1

void
reel_request_run_password_command (ReelRequest *req, guint status, ReelCommandFunc func,
                                   gpointer data, GDestroyNotify data_free)
{
  ReelHttp *http = req->http;
  GTask *task;
  Command *cmd;

  if (http->hashing >= http->hash_threads + http->cfg->hash_queue)
    {
      guint waiting = http->hashing - http->hash_threads;
      guint retry = (guint)MAX (1.0, ceil (waiting * HASH_SECONDS_ESTIMATE / http->hash_threads));
      g_autofree char *seconds = g_strdup_printf ("%u", retry);
      g_autofree char *message = g_strdup_printf (
          "%u logins and registrations are waiting already; try again in %u s", waiting, retry);
      if (data_free)
        data_free (data);
      reel_metrics_add (REEL_HTTP_HASH_QUEUE_FULL_METRIC, NULL, 1);
      soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                    "Retry-After", seconds);
      reel_respond_fail (req->msg, REEL_ERROR_UNAVAILABLE, message);
      return;
    }
  task = command_task (req, status, func, data, data_free);
  cmd = g_task_get_task_data (task);
  cmd->hashing = TRUE;
  http->hashing++;
  g_thread_pool_push (http->hash_pool, task, NULL);
}
