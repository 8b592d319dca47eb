/* See client.h. */
#include "cli/client.h"
#include "core/error.h"
#include "core/json.h"

/* Long enough for a slow server, short enough that a dead one is noticed. */
#define REQUEST_TIMEOUT_S 60

static char *
credentials_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "reel", "client.ini", NULL);
}

ReelClient *
reel_client_new (const char *server, const char *token)
{
  ReelClient *c = g_new0 (ReelClient, 1);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = credentials_path ();
  g_autofree char *saved_server = NULL, *saved_token = NULL;
  const char *url;

  if (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    {
      saved_server = g_key_file_get_string (kf, "client", "server", NULL);
      saved_token = g_key_file_get_string (kf, "client", "token", NULL);
    }
  url = server                     ? server
        : g_getenv ("REEL_SERVER") ? g_getenv ("REEL_SERVER")
        : saved_server             ? saved_server
                                   : REEL_CLIENT_DEFAULT_SERVER;
  c->server = g_strdup (url);
  while (g_str_has_suffix (c->server, "/"))
    c->server[strlen (c->server) - 1] = '\0';
  /* A saved token belongs to the saved server only. */
  if (token)
    c->token = g_strdup (token);
  else if (g_getenv ("REEL_TOKEN"))
    c->token = g_strdup (g_getenv ("REEL_TOKEN"));
  else if (saved_token && g_strcmp0 (saved_server, c->server) == 0)
    c->token = g_steal_pointer (&saved_token);
  c->session = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT_S, "user-agent",
                                              "reel-cli", NULL);
  return c;
}

void
reel_client_free (ReelClient *c)
{
  if (!c)
    return;
  g_free (c->server);
  g_free (c->token);
  g_clear_object (&c->session);
  g_free (c);
}

gboolean
reel_client_save (ReelClient *c, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = credentials_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *data = NULL;
  gsize len;
  g_key_file_set_string (kf, "client", "server", c->server);
  if (c->token)
    g_key_file_set_string (kf, "client", "token", c->token);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot create %s: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  /* The token is a password: readable by its owner only, from the moment
   * the file exists. */
  data = g_key_file_to_data (kf, &len, NULL);
  return g_file_set_contents_full (path, data, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                   error);
}

char *
reel_client_url (ReelClient *c, const char *path)
{
  return g_strconcat (c->server, path, NULL);
}

void
reel_client_authorize (ReelClient *c, SoupMessage *msg)
{
  g_autofree char *auth = NULL;
  if (!c->token)
    return;
  auth = g_strdup_printf ("Bearer %s", c->token);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
}

guint
reel_client_json (ReelClient *c, const char *method, const char *path, JsonObject *body,
                  JsonNode **out, GError **error)
{
  g_autofree char *url = reel_client_url (c, path);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);

  *out = NULL;
  if (!msg)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "\"%s\" is not a server URL", url);
      return 0;
    }
  if (body)
    {
      g_autofree char *text = reel_json_object_to_string (body);
      g_autoptr (GBytes) b = g_bytes_new_take (g_steal_pointer (&text), strlen (text));
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
    }
  return reel_client_send (c, msg, out, error);
}

guint
reel_client_send (ReelClient *c, SoupMessage *msg, JsonNode **out, GError **error)
{
  g_autoptr (GBytes) answer = NULL;
  *out = NULL;
  reel_client_authorize (c, msg);
  answer = soup_session_send_and_read (c->session, msg, NULL, error);
  if (!answer)
    {
      g_prefix_error (error, "%s: ", c->server);
      return 0;
    }
  *out = reel_client_parse_answer (answer);
  return soup_message_get_status (msg);
}

JsonNode *
reel_client_parse_answer (GBytes *body)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!body || !g_bytes_get_size (body)
      || !reel_json_check_text (g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL)
      || !json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                      (gssize)g_bytes_get_size (body), NULL)
      || !json_parser_get_root (parser))
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

char *
reel_client_error_message (guint status, JsonNode *answer)
{
  if (answer && JSON_NODE_HOLDS_OBJECT (answer))
    {
      JsonObject *e = json_object_get_object_member (json_node_get_object (answer), "error");
      const char *m = e ? json_object_get_string_member_with_default (e, "message", NULL) : NULL;
      if (m)
        return g_strdup (m);
    }
  return g_strdup_printf ("the server answered %u %s", status, soup_status_get_phrase (status));
}
