/* See site.h. */
#include "http/site.h"

char *
reel_request_site_url (ReelRequest *req)
{
  const char *public_url = req->http->cfg->public_url;
  GUri *uri;
  if (public_url && *public_url)
    {
      gsize len = strlen (public_url);
      while (len > 0 && public_url[len - 1] == '/')
        len--;
      return g_strndup (public_url, len);
    }
  uri = soup_server_message_get_uri (req->msg);
  return g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), "", NULL, NULL);
}
