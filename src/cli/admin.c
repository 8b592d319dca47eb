/* See admin.h. Every action is a row: its HTTP method, a path whose %s
 * take the first arguments (escaped), and optionally one JSON member that
 * takes the next; the answer is printed as JSON (for jq), or "done". */
#include "cli/client.h"
#include "cli/admin.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct
{
  const char *name;
  const char *method;
  const char *path;   /* printf format, one %s per path argument */
  const char *member; /* JSON member of the argument after them, or NULL */
  gboolean optional;  /* that argument may be left out */
  gboolean integer;   /* the member is a number */
  const char *usage;
  const char *summary;
} Action;

static const Action admin_actions[] = {
  { "block", "POST", "/api/v1/admin/videos/%s/block", "reason", FALSE, FALSE, "VIDEO REASON",
    "block a video (viewers get the reason; the owner is told)" },
  { "unblock", "POST", "/api/v1/admin/videos/%s/unblock", NULL, FALSE, FALSE, "VIDEO",
    "lift a block" },
  { "ban", "POST", "/api/v1/admin/users/%s/ban", "reason", FALSE, FALSE, "USER REASON",
    "ban a user (sessions revoked, content hidden)" },
  { "unban", "POST", "/api/v1/admin/users/%s/unban", NULL, FALSE, FALSE, "USER", "lift a ban" },
  { "role", "PUT", "/api/v1/users/%s/role", "role", FALSE, FALSE, "USER user|moderator|admin",
    "set a user's role (admins)" },
  { "quota", "PATCH", "/api/v1/users/%s", "quota_bytes", FALSE, TRUE, "USER BYTES",
    "set a user's storage quota (admins)" },
  { "invite", "POST", "/api/v1/admin/invites", NULL, FALSE, FALSE, "",
    "make a single-use invite code (admins)" },
  { "reports", "GET", "/api/v1/admin/reports", NULL, FALSE, FALSE, "", "list the open reports" },
  { "resolve", "POST", "/api/v1/admin/reports/%s/resolve", "note", TRUE, FALSE, "REPORT [NOTE]",
    "resolve a report" },
  { "audit", "GET", "/api/v1/admin/audit", NULL, FALSE, FALSE, "",
    "what moderators and admins did (admins)" },
  { "delete-comment", "DELETE", "/api/v1/videos/%s/comments/%s", NULL, FALSE, FALSE,
    "VIDEO COMMENT", "delete anyone's comment" },
};

static const Action privacy_action = { "privacy",
                                       "PATCH",
                                       "/api/v1/videos/%s",
                                       "privacy",
                                       FALSE,
                                       FALSE,
                                       "VIDEO public|unlisted|private",
                                       "set a video's privacy (its owner)" };

static guint
path_args (const Action *a)
{
  guint n = 0;
  for (const char *p = a->path; (p = strstr (p, "%s")); p += 2)
    n++;
  return n;
}

/* a's path with each %s replaced by the next argument, escaped. */
static char *
build_path (const Action *a, char **args)
{
  GString *out = g_string_new (NULL);
  guint next = 0;
  for (const char *p = a->path; *p; p++)
    if (p[0] == '%' && p[1] == 's')
      {
        g_string_append_uri_escaped (out, args[next++], NULL, FALSE);
        p++;
      }
    else
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

/* Runs action a with args (argc of them) as prog; the exit status. */
static int
run (const char *prog, const Action *a, int argc, char **argv, const char *server)
{
  guint need = path_args (a) + (a->member && !a->optional ? 1 : 0);
  guint most = path_args (a) + (a->member ? 1 : 0);
  g_autoptr (ReelClient) c = NULL;
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  guint status;

  if ((guint)argc < need || (guint)argc > most)
    {
      g_printerr ("usage: %s %s\n", prog, a->usage);
      return 2;
    }
  c = reel_client_new (server, NULL);
  if (!c->token)
    {
      g_printerr ("%s: not logged in to %s (run reel login USERNAME)\n", prog, c->server);
      return 1;
    }
  path = build_path (a, argv);
  if (a->member)
    {
      body = json_object_new ();
      if ((guint)argc > path_args (a))
        {
          const char *value = argv[path_args (a)];
          if (a->integer)
            {
              char *end = NULL;
              gint64 n = g_ascii_strtoll (value, &end, 10);
              if (!*value || *end || n < 0)
                {
                  g_printerr ("%s: %s must be a whole number of bytes\n", prog, value);
                  return 2;
                }
              json_object_set_int_member (body, a->member, n);
            }
          else
            json_object_set_string_member (body, a->member, value);
        }
    }
  else if (!g_str_equal (a->method, "GET") && !g_str_equal (a->method, "DELETE"))
    body = json_object_new ();
  status = reel_client_json (c, a->method, path, body, &answer, &error);
  if (!status)
    {
      g_printerr ("%s: %s\n", prog, error->message);
      return 1;
    }
  if (status >= 300)
    {
      g_autofree char *m = reel_client_error_message (status, answer);
      g_printerr ("%s: %s\n", prog, m);
      return 1;
    }
  if (answer)
    {
      g_autofree char *text = json_to_string (answer, TRUE);
      printf ("%s\n", text);
    }
  else
    printf ("done\n");
  return 0;
}

/* --server URL may come first; returns the arguments after it. */
static char **
take_server (int *argc, char **argv, const char **server)
{
  *server = NULL;
  if (*argc >= 2 && g_str_equal (argv[0], "--server"))
    {
      *server = argv[1];
      *argc -= 2;
      return argv + 2;
    }
  return argv;
}

int
reel_cli_admin (int argc, char **argv)
{
  const char *server = NULL;
  argc--, argv++; /* "admin" */
  argv = take_server (&argc, argv, &server);
  for (guint i = 0; argc >= 1 && i < G_N_ELEMENTS (admin_actions); i++)
    if (g_str_equal (argv[0], admin_actions[i].name))
      {
        g_autofree char *prog = g_strdup_printf ("reel admin %s", admin_actions[i].name);
        return run (prog, &admin_actions[i], argc - 1, argv + 1, server);
      }
  g_printerr ("usage: reel admin [--server URL] ACTION ARGS...\n\nactions:\n");
  for (guint i = 0; i < G_N_ELEMENTS (admin_actions); i++)
    g_printerr ("  %-14s %-28s %s\n", admin_actions[i].name, admin_actions[i].usage,
                admin_actions[i].summary);
  return 2;
}

int
reel_cli_privacy (int argc, char **argv)
{
  const char *server = NULL;
  argc--, argv++; /* "privacy" */
  argv = take_server (&argc, argv, &server);
  return run ("reel privacy", &privacy_action, argc, argv, server);
}
