/* See mail.h. The message is built here (RFC 5322 headers, 8-bit UTF-8
 * body); libcurl speaks SMTP. Every value that goes into a header has been
 * validated to hold no control characters, so no header can be injected. */
#include "daemon/mail.h"
#include "core/error.h"

#include <curl/curl.h>

/* A relay that does not answer within this is treated as down. */
#define MAIL_TIMEOUT_S 30

void
reel_mail_init (void)
{
  static gsize done;
  if (g_once_init_enter (&done))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&done, 1);
    }
}

typedef struct
{
  const char *data;
  gsize left;
} Payload;

static size_t
read_payload (char *buf, size_t size, size_t n, void *data)
{
  Payload *p = data;
  gsize len = MIN (size * n, p->left);
  memcpy (buf, p->data, len);
  p->data += len;
  p->left -= len;
  return len;
}

/* The address in "Name <addr>" (or the whole text). */
static char *
bare_address (const char *from)
{
  const char *lt = strrchr (from, '<'), *gt = strrchr (from, '>');
  if (lt && gt && gt > lt)
    return g_strndup (lt, gt - lt + 1);
  return g_strdup_printf ("<%s>", from);
}

gboolean
reel_mail_send (const ReelConfig *cfg, const char *to, const char *subject, const char *body,
                GError **error)
{
  const char *from = cfg->smtp_from ? cfg->smtp_from : "reel <noreply@localhost>";
  g_autofree char *mail_from = bare_address (from), *rcpt = bare_address (to);
  g_autofree char *message = NULL, *message_id = g_uuid_string_random ();
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S +0000");
  char curl_error[CURL_ERROR_SIZE] = "";
  struct curl_slist *rcpts = NULL;
  Payload payload;
  CURLcode rc;
  CURL *curl;

  if (!cfg->smtp_url)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "no SMTP relay configured (smtp.url)");
      return FALSE;
    }
  message = g_strdup_printf ("Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\n"
                             "Message-ID: <%s@reel>\r\nMIME-Version: 1.0\r\n"
                             "Content-Type: text/plain; charset=UTF-8\r\n"
                             "Content-Transfer-Encoding: 8bit\r\n\r\n%s",
                             date, from, to, subject, message_id, body);
  payload = (Payload){ message, strlen (message) };
  if (!(curl = curl_easy_init ()))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "libcurl failed to initialise");
      return FALSE;
    }
  rcpts = curl_slist_append (rcpts, rcpt);
  curl_easy_setopt (curl, CURLOPT_URL, cfg->smtp_url);
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, mail_from);
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, rcpts);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_payload);
  curl_easy_setopt (curl, CURLOPT_READDATA, &payload);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long)MAIL_TIMEOUT_S);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, curl_error);
  if (cfg->smtp_username)
    curl_easy_setopt (curl, CURLOPT_USERNAME, cfg->smtp_username);
  if (cfg->smtp_password)
    curl_easy_setopt (curl, CURLOPT_PASSWORD, cfg->smtp_password);
  rc = curl_easy_perform (curl);
  curl_slist_free_all (rcpts);
  curl_easy_cleanup (curl);
  if (rc != CURLE_OK)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE, "SMTP %s: %s", cfg->smtp_url,
                   *curl_error ? curl_error : curl_easy_strerror (rc));
      return FALSE;
    }
  return TRUE;
}

gboolean
reel_mail_welcome (const ReelConfig *cfg, const char *username, const char *display_name,
                   const char *email, GError **error)
{
  g_autofree char *body = g_strdup_printf (
      "Hello %s,\r\n\r\nwelcome to reel! Your channel is %s: upload a video and the people "
      "who subscribe to it will be told when it is ready.\r\n",
      display_name ? display_name : username, username);
  return reel_mail_send (cfg, email, "Welcome to reel", body, error);
}

gboolean
reel_mail_verify_email (const ReelConfig *cfg, const char *username, const char *email,
                        const char *token, GError **error)
{
  g_autofree char *how
      = cfg->public_url
            ? g_strdup_printf ("open this link:\r\n\r\n  %s/verify#%s", cfg->public_url, token)
            : g_strdup_printf ("open the site's /verify page and enter this code:\r\n\r\n  %s",
                               token);
  g_autofree char *body = g_strdup_printf (
      "Hello %s,\r\n\r\nto finish making your reel account, confirm that this address is "
      "yours: %s\r\n\r\nIt works once, for %" G_GINT64_FORMAT
      " minutes. If you did not make an account, ignore this email.\r\n",
      username, how, cfg->reset_ttl_s / 60);
  return reel_mail_send (cfg, email, "Verify your email address for reel", body, error);
}

gboolean
reel_mail_password_reset (const ReelConfig *cfg, const char *username, const char *email,
                          const char *token, GError **error)
{
  g_autofree char *how
      = cfg->public_url ? g_strdup_printf (
            "open this link to choose a new one:\r\n\r\n  %s/reset#%s", cfg->public_url, token)
                        : g_strdup_printf ("open the site's password reset page and enter this "
                                           "code:\r\n\r\n  %s",
                                           token);
  g_autofree char *body = g_strdup_printf (
      "Hello %s,\r\n\r\nsomeone (we hope you) asked to reset your reel password. To do so, "
      "%s\r\n\r\nIt works once, for %" G_GINT64_FORMAT
      " minutes. If you did not ask, ignore this email: your password stays as it "
      "is.\r\n",
      username, how, cfg->reset_ttl_s / 60);
  return reel_mail_send (cfg, email, "Reset your reel password", body, error);
}
