/* See text.h. */
#include "core/text.h"
#include "core/error.h"

gboolean
reel_text_check (const char *field, const char *text, gsize min, gsize max, gboolean multiline,
                 GError **error)
{
  glong n;
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s is not valid UTF-8", field);
      return FALSE;
    }
  n = g_utf8_strlen (text, -1);
  if ((gsize)n < min || (gsize)n > max)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s must be %zu to %zu characters", field,
                   min, max);
      return FALSE;
    }
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_iscntrl (c) && !(multiline && (c == '\n' || c == '\t')))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "%s contains control characters",
                       field);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
reel_text_to_uint (const char *text, guint64 min, guint64 max, guint64 *out)
{
  return text && g_ascii_isdigit (*text)
         && g_ascii_string_to_unsigned (text, 10, min, max, out, NULL);
}
