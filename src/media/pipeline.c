/* See pipeline.h. */
#include "media/pipeline.h"
#include "core/error.h"

#include "reel-config.h"

const char *
reel_pipeline_dir (void)
{
  const char *env = g_getenv ("REEL_PIPELINES_DIR");
  if (env)
    return env;
  /* An installed reel uses its installed templates; a build tree uses the
   * source tree's, so an edit to a template takes effect without install. */
  if (g_file_test (REEL_INSTALLED_PIPELINES_DIR, G_FILE_TEST_IS_DIR))
    return REEL_INSTALLED_PIPELINES_DIR;
  return REEL_SOURCE_PIPELINES_DIR;
}

char *
reel_pipeline_load (const char *name, GError **error)
{
  g_autofree char *file = g_strconcat (name, ".pipeline", NULL);
  g_autofree char *path = g_build_filename (reel_pipeline_dir (), file, NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GString) out = g_string_new (NULL);

  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-')
      {
        g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no pipeline \"%s\"", name);
        return NULL;
      }
  if (!g_file_get_contents (path, &text, NULL, NULL))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no pipeline template %s", path);
      return NULL;
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *l = g_strstrip (lines[i]);
      if (!*l || l[0] == '#')
        continue;
      if (out->len)
        g_string_append_c (out, ' ');
      g_string_append (out, l);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
append_quoted (GString *out, const char *value)
{
  gboolean plain = *value != '\0';
  for (const char *p = value; *p && plain; p++)
    plain = g_ascii_isalnum (*p) || strchr ("_.,:/+=-", *p);
  if (plain)
    {
      g_string_append (out, value);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = value; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

char *
reel_pipeline_nats_auth (const ReelNatsAuth *auth)
{
  g_autoptr (GString) out = g_string_new (NULL);
  const struct
  {
    const char *property;
    const char *value;
  } props[] = {
    { "token", auth ? auth->token : NULL },     { "credentials", auth ? auth->credentials : NULL },
    { "tls-ca", auth ? auth->tls_ca : NULL },   { "tls-cert", auth ? auth->tls_cert : NULL },
    { "tls-key", auth ? auth->tls_key : NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (props); i++)
    if (props[i].value && *props[i].value)
      {
        g_string_append_printf (out, "%s%s=", out->len ? " " : "", props[i].property);
        append_quoted (out, props[i].value);
      }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
reel_pipeline_fill (const char *tpl, GHashTable *values, const char *const *raw, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  for (const char *p = tpl; *p;)
    {
      if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}'))
        {
          g_string_append_c (out, p[0]);
          p += 2;
          continue;
        }
      if (*p != '{')
        {
          g_string_append_c (out, *p++);
          continue;
        }
      const char *end = strchr (p, '}');
      if (!end)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "unclosed { in pipeline template");
          return NULL;
        }
      g_autofree char *name = g_strndup (p + 1, end - p - 1);
      const char *value = g_hash_table_lookup (values, name);
      if (!value)
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                       "pipeline placeholder {%s} has no value", name);
          return NULL;
        }
      if (raw && g_strv_contains (raw, name))
        g_string_append (out, value);
      else
        append_quoted (out, value);
      p = end + 1;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
