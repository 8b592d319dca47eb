/* Public ids of things people create (videos, comments): 11 characters of
 * base64url, i.e. 64 random bits from libsodium. Short enough for a URL, far
 * too many to guess or to collide. A new id never starts with '-' or '_',
 * so it can be passed as a command-line argument; reel_id_valid still takes
 * any. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define REEL_ID_LEN 11

char *reel_id_new (void);
/* Whether text has the shape of an id (length and alphabet). */
gboolean reel_id_valid (const char *text);

G_END_DECLS
