/* See fault.h. */
#include "core/fault.h"

#include <string.h>

const char *
reel_test_fault (const char *name)
{
  const char *f = g_getenv ("REEL_TEST_FAULT");
  gsize n = strlen (name);
  /* One fault, or several separated by ';'. */
  for (; f && *f; f = strchr (f, ';') ? strchr (f, ';') + 1 : NULL)
    {
      gsize len = strcspn (f, ";");
      if (len < n || strncmp (f, name, n) != 0 || (f[n] != ';' && f[n] != '\0' && f[n] != ':'))
        continue;
      if (len == n)
        return "";
      {
        g_autofree char *value = g_strndup (f + n + 1, len - n - 1);
        return g_intern_string (value);
      }
    }
  return NULL;
}
