/* The SMTP edge: email through a relay (smtp.url) with libcurl's SMTP client: the
 * welcome email a new user gets. Plain-text UTF-8 messages; STARTTLS is
 * used when the relay offers it (smtp://) or TLS from the start (smtps://).
 * Sending blocks (up to MAIL_TIMEOUT_S): call it from a worker thread. */
#pragma once

#include "core/config.h"

G_BEGIN_DECLS

/* Once per process, from the main thread, before any sending thread runs. */
void reel_mail_init (void);

/* Sends a message; REEL_ERROR_UNAVAILABLE when the relay cannot be reached
 * or refuses it (worth retrying), REEL_ERROR_INVALID when no relay is set. */
gboolean reel_mail_send (const ReelConfig *cfg, const char *to, const char *subject,
                         const char *body, GError **error);

/* The welcome email of a new account. */
gboolean reel_mail_welcome (const ReelConfig *cfg, const char *username, const char *display_name,
                            const char *email, GError **error);

/* The password reset email: the token as a link to the web UI's reset
 * page when http.public_url is set, else as a code to type in there. */
gboolean reel_mail_password_reset (const ReelConfig *cfg, const char *username, const char *email,
                                   const char *token, GError **error);

/* The email verification email (auth.verify_email): the token as a link
 * to the web UI's /verify page, or as a code to type in there. */
gboolean reel_mail_verify_email (const ReelConfig *cfg, const char *username, const char *email,
                                 const char *token, GError **error);

G_END_DECLS
