/* See social_common.h. */
#include "social_common.h"

#include <glib/gstdio.h>

SocialNode S;

ReelTestResponse *
get (const char *path, const char *token)
{
  return reel_test_get_status (S.d->port, path, token, 200);
}

JsonObject *
obj (ReelTestResponse *r)
{
  g_assert_nonnull (r->json);
  return json_node_get_object (r->json);
}

JsonArray *
items (ReelTestResponse *r)
{
  return json_object_get_array_member (obj (r), "items");
}

/* The member of every item, comma-separated. */
char *
column (ReelTestResponse *r, const char *member)
{
  JsonArray *a = items (r);
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (a); i++)
    g_string_append_printf (out, "%s%s", i ? "," : "",
                            json_object_get_string_member_with_default (
                                json_array_get_object_element (a, i), member, "-"));
  return g_string_free (out, FALSE);
}

const char *
next_cursor (ReelTestResponse *r)
{
  return json_object_get_string_member_with_default (obj (r), "next_cursor", NULL);
}

gint64
int_of (ReelTestResponse *r, const char *member)
{
  return json_object_get_int_member (obj (r), member);
}

void
expect_status (ReelTestResponse *r, guint status)
{
  if (r->status != status)
    g_printerr ("expected %u, got %u: %s\n", status, r->status, r->body);
  g_assert_cmpuint (r->status, ==, status);
}

void
expect_column (const char *path, const char *token, const char *member, const char *expected)
{
  g_autoptr (ReelTestResponse) r = get (path, token);
  g_autofree char *got = column (r, member);
  g_assert_cmpstr (got, ==, expected);
}

/* expect_column, once the projections have caught up (10 s at most). */
void
wait_column (const char *path, const char *token, const char *member, const char *expected)
{
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr (ReelTestResponse) r = get (path, token);
      g_autofree char *got = column (r, member);
      if (g_str_equal (got, expected))
        return;
      g_usleep (50 * 1000);
    }
  expect_column (path, token, member, expected);
}

char *
join (const char *a, const char *b)
{
  return g_strconcat (a, ",", b, NULL);
}

gboolean
file_exists (const char *root, const char *key)
{
  g_autofree char *path = g_build_filename (root, key, NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

char *
post_comment (const char *video, const char *token, const char *body)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/comments", video);
  g_autoptr (ReelTestResponse) r = call ("POST", path, token, "%s", body);
  expect_status (r, 201);
  return g_strdup (reel_test_json_str (r, "id"));
}

void
write_config (const char *path, const char *extra)
{
  g_autofree char *smtp_port = NULL;
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (S.config, &text, NULL, NULL) || !extra);
  if (!extra)
    {
      guint16 port = reel_test_free_port ();
      const char *argv[] = { reel_test_env ("REEL_TEST_PYTHON"),
                             reel_test_env ("REEL_TEST_SMTP_SINK"), NULL, S.mail, NULL };
      smtp_port = g_strdup_printf ("%u", port);
      argv[2] = smtp_port;
      S.smtp = reel_test_spawn (argv);
      /* Listening before anything else picks a free port (it could pick
       * this one) or registers a user (whose email would find no relay). */
      for (int i = 0; i < 500 && !reel_test_port_open (port); i++)
        g_usleep (20 * 1000);
      g_assert_true (reel_test_port_open (port));
      text
          = g_strdup_printf ("[media]\nladder = 240p:240:300\nx264_preset = ultrafast\n"
                             "[comments]\nrate_limit = %d\nrate_window_seconds = 3600\n"
                             "[limits]\ncomments_per_ip = off\n"
                             "[cdn]\nmin_subscribers = 1\nbase_url = " CDN_BASE "\n"
                             "origin_dir = %s\n"
                             "[smtp]\nurl = smtp://127.0.0.1:%u\nfrom = reel <noreply@reel.test>\n",
                             RATE_LIMIT, S.cdn, port);
      g_assert_true (g_file_set_contents (path, text, -1, NULL));
      return;
    }
  {
    g_autofree char *all = g_strconcat (text, extra, NULL);
    g_assert_true (g_file_set_contents (path, all, -1, NULL));
  }
}

void
start_reeld (const char *config)
{
  g_autofree char *arg = g_strdup_printf ("--config=%s", config);
  const char *args[] = { arg, NULL };
  S.d = reel_test_reeld_start_args (S.dir, S.nats->url, NULL, args);
}
