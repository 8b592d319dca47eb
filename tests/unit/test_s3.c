/* store/s3 without a server: the hand-written part of SigV4 (presigned URLs)
 * against AWS's published example, addresses in both styles, AWS's URI
 * encoding, and the S3 XML answers reel reads. Requests against a real S3
 * server: tests/integration/test_s3_store.c. */
#include "store/s3.h"

static ReelS3Target
example_target (gboolean path_style)
{
  /* AWS's example credentials and bucket ("Authenticating Requests: Using
   * Query Parameters (AWS Signature Version 4)", Amazon S3 API Reference). */
  return (ReelS3Target){
    .scheme = "https",
    .host = "s3.amazonaws.com",
    .bucket = "examplebucket",
    .path_style = path_style,
    .region = "us-east-1",
    .access_key = "AKIAIOSFODNN7EXAMPLE",
    .secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  };
}

static void
test_presign_aws_example (void)
{
  ReelS3Target t = example_target (FALSE);
  g_autoptr (GDateTime) when = g_date_time_new_utc (2013, 5, 24, 0, 0, 0);
  g_autofree char *url = reel_s3_presign (&t, "test.txt", when, 86400);
  /* The URL AWS's documentation prints, signature included. */
  g_assert_cmpstr (
      url, ==,
      "https://examplebucket.s3.amazonaws.com/test.txt"
      "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
      "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
      "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
      "&X-Amz-Signature="
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

static void
test_presign_path_style (void)
{
  ReelS3Target t = example_target (TRUE);
  g_autoptr (GDateTime) when = g_date_time_new_utc (2013, 5, 24, 0, 0, 0);
  g_autofree char *url = reel_s3_presign (&t, "test.txt", when, 86400);
  g_autofree char *vhost = NULL;
  /* Another host and path sign differently; the rest is the same. */
  g_assert_true (g_str_has_prefix (url, "https://s3.amazonaws.com/examplebucket/test.txt?"
                                        "X-Amz-Algorithm=AWS4-HMAC-SHA256&"));
  t.path_style = FALSE;
  vhost = reel_s3_presign (&t, "test.txt", when, 86400);
  g_assert_cmpstr (strstr (url, "&X-Amz-Signature="), !=, strstr (vhost, "&X-Amz-Signature="));
}

static void
test_addresses (void)
{
  ReelS3Target t = example_target (TRUE);
  g_autofree char *p1 = reel_s3_path (&t, "videos/a/1.m4s");
  g_autofree char *p2 = reel_s3_path (&t, NULL);
  g_autofree char *h1 = reel_s3_host (&t);
  g_autofree char *u1 = reel_s3_url (&t, "k");
  g_autofree char *p3 = NULL, *p4 = NULL, *h2 = NULL, *u2 = NULL;
  g_assert_cmpstr (p1, ==, "/examplebucket/videos/a/1.m4s");
  g_assert_cmpstr (p2, ==, "/examplebucket");
  g_assert_cmpstr (h1, ==, "s3.amazonaws.com");
  g_assert_cmpstr (u1, ==, "https://s3.amazonaws.com/examplebucket/k");
  t.path_style = FALSE;
  t.host = "127.0.0.1:9000";
  t.scheme = "http";
  p3 = reel_s3_path (&t, "videos/a/1.m4s");
  p4 = reel_s3_path (&t, NULL);
  h2 = reel_s3_host (&t);
  u2 = reel_s3_url (&t, "k");
  g_assert_cmpstr (p3, ==, "/videos/a/1.m4s");
  g_assert_cmpstr (p4, ==, "/");
  g_assert_cmpstr (h2, ==, "examplebucket.127.0.0.1:9000");
  g_assert_cmpstr (u2, ==, "http://examplebucket.127.0.0.1:9000/k");
}

static void
test_uri_encode (void)
{
  g_autofree char *a = reel_s3_uri_encode ("AZaz09-._~");
  g_autofree char *b = reel_s3_uri_encode ("a/b c+d=é&");
  g_autofree char *c = reel_s3_uri_encode ("");
  g_assert_cmpstr (a, ==, "AZaz09-._~");
  g_assert_cmpstr (b, ==, "a%2Fb%20c%2Bd%3D%C3%A9%26");
  g_assert_cmpstr (c, ==, "");
}

static void
test_xml_error (void)
{
  const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist."
                    "</Message><Key>a &amp; b</Key><RequestId>4442587FB7D0A2F9</RequestId></Error>";
  g_autofree char *code = reel_s3_xml_find (xml, strlen (xml), "Error/Code");
  g_autofree char *message = reel_s3_xml_find (xml, strlen (xml), "Error/Message");
  g_autofree char *key = reel_s3_xml_find (xml, strlen (xml), "Error/Key");
  g_autofree char *none = reel_s3_xml_find (xml, strlen (xml), "Error/Resource");
  g_autofree char *bad = reel_s3_xml_find ("<Error><Code>x</Error>", 22, "Error/Code");
  g_autofree char *html = reel_s3_xml_find ("<html>503</html>", 16, "Error/Code");
  g_assert_cmpstr (code, ==, "NoSuchKey");
  g_assert_cmpstr (message, ==, "The specified key does not exist.");
  g_assert_cmpstr (key, ==, "a & b");
  g_assert_null (none);
  g_assert_null (bad);
  g_assert_null (html);
  g_assert_null (reel_s3_xml_find (NULL, 0, "Error/Code"));
}

static void
test_xml_list (void)
{
  const char *page1
      = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Name>reel</Name><Prefix>videos/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
        "<IsTruncated>true</IsTruncated>"
        "<Contents><Key>videos/a/1.m4s</Key><LastModified>2024-03-01T10:00:05.000Z</LastModified>"
        "<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>1234</Size>"
        "<StorageClass>STANDARD</StorageClass></Contents>"
        "<Contents><Key>videos/a/2.m4s</Key><LastModified>2024-03-01T10:00:06.000Z</LastModified>"
        "<Size>0</Size><Owner><ID>x</ID></Owner></Contents>"
        "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</"
        "NextContinuationToken>"
        "</ListBucketResult>";
  const char *last = "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>";
  const char *broken = "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>";
  const char *no_size = "<ListBucketResult><Contents><Key>k</Key><Size>x</Size></Contents>"
                        "</ListBucketResult>";
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *token = NULL;
  ReelS3Entry *e;

  g_assert_true (reel_s3_xml_list (page1, strlen (page1), &entries, &token, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 2);
  e = entries->pdata[0];
  g_assert_cmpstr (e->key, ==, "videos/a/1.m4s");
  g_assert_cmpuint (e->size, ==, 1234);
  g_assert_cmpint (e->mtime_s, ==, 1709287205);
  e = entries->pdata[1];
  g_assert_cmpstr (e->key, ==, "videos/a/2.m4s");
  g_assert_cmpuint (e->size, ==, 0);
  g_assert_cmpstr (token, ==, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_clear_pointer (&token, g_free);

  g_assert_true (reel_s3_xml_list (last, strlen (last), &entries, &token, &error));
  g_assert_cmpuint (entries->len, ==, 0);
  g_assert_null (token);
  g_clear_pointer (&entries, g_ptr_array_unref);

  g_assert_false (reel_s3_xml_list (broken, strlen (broken), &entries, &token, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (reel_s3_xml_list (no_size, strlen (no_size), &entries, &token, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (reel_s3_xml_list ("<ListBucketResult>", 18, &entries, &token, &error));
  g_assert_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE);
}

static void
test_error_codes (void)
{
  g_assert_cmpint (reel_s3_error_code ("NoSuchKey", 404), ==, REEL_ERROR_NOT_FOUND);
  g_assert_cmpint (reel_s3_error_code ("NoSuchBucket", 404), ==, REEL_ERROR_NOT_FOUND);
  g_assert_cmpint (reel_s3_error_code ("InvalidRange", 416), ==, REEL_ERROR_INVALID);
  g_assert_cmpint (reel_s3_error_code ("PreconditionFailed", 412), ==, REEL_ERROR_CONFLICT);
  g_assert_cmpint (reel_s3_error_code ("EntityTooLarge", 400), ==, REEL_ERROR_TOO_LARGE);
  g_assert_cmpint (reel_s3_error_code ("SignatureDoesNotMatch", 403), ==, REEL_ERROR_UNAVAILABLE);
  g_assert_cmpint (reel_s3_error_code ("SlowDown", 503), ==, REEL_ERROR_UNAVAILABLE);
  g_assert_cmpint (reel_s3_error_code (NULL, 404), ==, REEL_ERROR_NOT_FOUND);
  g_assert_cmpint (reel_s3_error_code (NULL, 502), ==, REEL_ERROR_UNAVAILABLE);
  g_assert_cmpint (reel_s3_error_code ("MalformedXML", 400), ==, REEL_ERROR_INTERNAL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/s3/presign/aws-example", test_presign_aws_example);
  g_test_add_func ("/s3/presign/path-style", test_presign_path_style);
  g_test_add_func ("/s3/addresses", test_addresses);
  g_test_add_func ("/s3/uri-encode", test_uri_encode);
  g_test_add_func ("/s3/xml/error", test_xml_error);
  g_test_add_func ("/s3/xml/list", test_xml_list);
  g_test_add_func ("/s3/error-codes", test_error_codes);
  return g_test_run ();
}
