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

G_END_DECLS
