/* The operators' commands of the reel client: moderation (reel admin ...)
 * and a video's privacy (reel privacy ...), each one request to the HTTP
 * API with the saved session (cli/client.h); the server checks the role. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* reel admin ACTION ARGS...: block, unblock, ban, unban, role, invite,
 * reports, resolve, audit, delete-comment, quota. */
int reel_cli_admin (int argc, char **argv);

/* reel privacy VIDEO public|unlisted|private */
int reel_cli_privacy (int argc, char **argv);

G_END_DECLS
