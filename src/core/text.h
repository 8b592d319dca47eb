/* Validation of text people write (titles, descriptions, comments, names):
 * valid UTF-8, a length in characters (not bytes), and no control
 * characters, except line feeds and tabs in multi-line text. One rule set,
 * so every field refuses the same things with the same kind of message. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* REEL_ERROR_INVALID naming field when text breaks a rule. */
gboolean reel_text_check (const char *field, const char *text, gsize min_chars, gsize max_chars,
                          gboolean multiline, GError **error);

/* A decimal number written with digits only (no sign, space or "0x") in
 * min..max: what a query parameter, header or setting holds. Plain
 * g_ascii_string_to_unsigned takes a leading vertical tab (GLib 2.74 skips
 * it as space, but its check that there is no leading space does not know
 * it), so "\v5" would read as 5. */
gboolean reel_text_to_uint (const char *text, guint64 min, guint64 max, guint64 *out);

G_END_DECLS
