/* See natsauth.h. */
#include "bus/natsauth.h"

natsStatus
reel_nats_auth_apply (natsOptions *opts, const ReelNatsAuth *auth)
{
  natsStatus s = NATS_OK;
  if (!auth)
    return NATS_OK;
  if (auth->token && *auth->token)
    s = natsOptions_SetToken (opts, auth->token);
  if (s == NATS_OK && auth->credentials && *auth->credentials)
    s = natsOptions_SetUserCredentialsFromFiles (opts, auth->credentials, NULL);
  if (s == NATS_OK && auth->tls_ca && *auth->tls_ca)
    s = natsOptions_LoadCATrustedCertificates (opts, auth->tls_ca);
  if (s == NATS_OK && auth->tls_cert && *auth->tls_cert)
    s = natsOptions_LoadCertificatesChain (opts, auth->tls_cert, auth->tls_key);
  /* A CA or a client certificate only means something over TLS: without
   * this, a nats:// URL would quietly send the token in clear. */
  if (s == NATS_OK && ((auth->tls_ca && *auth->tls_ca) || (auth->tls_cert && *auth->tls_cert)))
    s = natsOptions_SetSecure (opts, true);
  return s;
}

void
reel_nats_auth_copy (ReelNatsAuth *dest, const ReelNatsAuth *src)
{
  dest->token = g_strdup (src ? src->token : NULL);
  dest->credentials = g_strdup (src ? src->credentials : NULL);
  dest->tls_ca = g_strdup (src ? src->tls_ca : NULL);
  dest->tls_cert = g_strdup (src ? src->tls_cert : NULL);
  dest->tls_key = g_strdup (src ? src->tls_key : NULL);
}

void
reel_nats_auth_clear (ReelNatsAuth *auth)
{
  g_clear_pointer (&auth->token, g_free);
  g_clear_pointer (&auth->credentials, g_free);
  g_clear_pointer (&auth->tls_ca, g_free);
  g_clear_pointer (&auth->tls_cert, g_free);
  g_clear_pointer (&auth->tls_key, g_free);
}
