/* Addresses of S3 objects and presigned GET URLs (see s3.h).
 *
 * Every request reel sends is signed by libcurl (CURLOPT_AWS_SIGV4). A
 * presigned URL is the exception: it is signed now and sent later by someone
 * else (GStreamer's souphttpsrc on a worker), so libcurl never sees it. That
 * is AWS Signature V4 in its query-string form, written out here with GLib's
 * SHA-256 and HMAC; tests check it against AWS's published example and
 * against botocore. The steps, as AWS documents them:
 *
 *   canonical request = GET \n PATH \n QUERY \n host:HOST \n \n host \n UNSIGNED-PAYLOAD
 *   string to sign    = AWS4-HMAC-SHA256 \n DATETIME \n SCOPE \n hex(sha256(canonical request))
 *   signing key       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, DATE), region), "s3"), "aws4_request")
 *   signature         = hex(HMAC(signing key, string to sign))
 *
 * where QUERY holds the X-Amz-* parameters sorted by name, and SCOPE is
 * DATE/region/s3/aws4_request. */
#include "store/s3.h"

void
reel_s3_target_clear (ReelS3Target *t)
{
  g_clear_pointer (&t->scheme, g_free);
  g_clear_pointer (&t->host, g_free);
  g_clear_pointer (&t->bucket, g_free);
  g_clear_pointer (&t->region, g_free);
  g_clear_pointer (&t->access_key, g_free);
  g_clear_pointer (&t->secret_key, g_free);
}

char *
reel_s3_uri_encode (const char *s)
{
  GString *out = g_string_new (NULL);
  for (const guchar *p = (const guchar *)s; *p; p++)
    if (g_ascii_isalnum (*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~')
      g_string_append_c (out, (char)*p);
    else
      g_string_append_printf (out, "%%%02X", *p);
  return g_string_free (out, FALSE);
}

char *
reel_s3_host (const ReelS3Target *t)
{
  return t->path_style ? g_strdup (t->host) : g_strconcat (t->bucket, ".", t->host, NULL);
}

/* Keys and bucket names hold only characters that stand for themselves in
 * a path (blobs.h, and the bucket check in s3.c), so the path is also its
 * own canonical form: nothing to escape, which libcurl relies on too. */
char *
reel_s3_path (const ReelS3Target *t, const char *key)
{
  if (t->path_style)
    return key ? g_strconcat ("/", t->bucket, "/", key, NULL) : g_strconcat ("/", t->bucket, NULL);
  return g_strconcat ("/", key ? key : "", NULL);
}

char *
reel_s3_url (const ReelS3Target *t, const char *key)
{
  g_autofree char *host = reel_s3_host (t);
  g_autofree char *path = reel_s3_path (t, key);
  return g_strconcat (t->scheme, "://", host, path, NULL);
}

static void
hmac (const guint8 *key, gsize key_len, const char *data, guint8 out[32])
{
  g_autoptr (GHmac) h = g_hmac_new (G_CHECKSUM_SHA256, key, key_len);
  gsize len = 32;
  g_hmac_update (h, (const guchar *)data, -1);
  g_hmac_get_digest (h, out, &len);
}

char *
reel_s3_presign (const ReelS3Target *t, const char *key, GDateTime *now, guint expires_s)
{
  g_autoptr (GDateTime) utc = g_date_time_to_utc (now);
  g_autofree char *date = g_date_time_format (utc, "%Y%m%d");
  g_autofree char *stamp = g_date_time_format (utc, "%Y%m%dT%H%M%SZ");
  g_autofree char *scope = g_strdup_printf ("%s/%s/s3/aws4_request", date, t->region);
  g_autofree char *credential = g_strdup_printf ("%s/%s", t->access_key, scope);
  g_autofree char *credential_q = reel_s3_uri_encode (credential);
  g_autofree char *host = reel_s3_host (t);
  g_autofree char *path = reel_s3_path (t, key);
  g_autofree char *secret = g_strconcat ("AWS4", t->secret_key, NULL);
  g_autofree char *query = NULL, *canonical = NULL, *canonical_hash = NULL, *to_sign = NULL;
  g_autofree char *signature = NULL;
  guint8 k[32], k2[32];

  /* Already in canonical order: sorted by parameter name. */
  query = g_strdup_printf ("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s"
                           "&X-Amz-Date=%s&X-Amz-Expires=%u&X-Amz-SignedHeaders=host",
                           credential_q, stamp, expires_s);
  canonical = g_strdup_printf ("GET\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD", path, query, host);
  canonical_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, canonical, -1);
  to_sign = g_strdup_printf ("AWS4-HMAC-SHA256\n%s\n%s\n%s", stamp, scope, canonical_hash);

  hmac ((const guint8 *)secret, strlen (secret), date, k);
  hmac (k, sizeof k, t->region, k2);
  hmac (k2, sizeof k2, "s3", k);
  hmac (k, sizeof k, "aws4_request", k2);
  {
    g_autoptr (GHmac) h = g_hmac_new (G_CHECKSUM_SHA256, k2, sizeof k2);
    g_hmac_update (h, (const guchar *)to_sign, -1);
    signature = g_strdup (g_hmac_get_string (h));
  }
  return g_strdup_printf ("%s://%s%s?%s&X-Amz-Signature=%s", t->scheme, host, path, query,
                          signature);
}
