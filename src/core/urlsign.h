/* Signed media URLs: a <video> element, hls.js and CDNs fetch playlists and
 * segments without an Authorization header, so media that not everyone may
 * see (private, held, blocked videos) is reached through a path prefix
 * that carries its own proof: "/s/{expires}-{mac}/videos/{id}/...". The
 * mac is HMAC-SHA-256 (libsodium) over the scope (the video id) and the
 * expiry, keyed with a server secret every API node shares. Relative URIs
 * in playlists and manifests resolve under the same prefix, so one token
 * opens every file of one video until it expires. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bytes of the signing key (crypto_auth_hmacsha256_KEYBYTES). */
#define REEL_URLSIGN_KEY_BYTES 32

/* The token for scope, valid until expires (unix seconds). */
char *reel_urlsign_token (const guint8 key[REEL_URLSIGN_KEY_BYTES], const char *scope,
                          gint64 expires);

/* Whether token was made with key for scope and has not expired at now
 * (unix seconds). Malformed tokens are simply invalid. */
gboolean reel_urlsign_check (const guint8 key[REEL_URLSIGN_KEY_BYTES], const char *scope,
                             const char *token, gint64 now);

G_END_DECLS
