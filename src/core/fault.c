/* See fault.h. */
#include "core/fault.h"

#include <string.h>

const char *
reel_test_fault (const char *name)
{
  const char *f = g_getenv ("REEL_TEST_FAULT");
  gsize n = strlen (name);
  if (!f || strncmp (f, name, n) != 0 || (f[n] != '\0' && f[n] != ':'))
    return NULL;
  return f[n] ? f + n + 1 : f + n;
}
