#!/usr/bin/env python3
"""Recomputes the AWS Signature V4 of recorded S3 requests with botocore.

    check_sigv4.py LOG ACCESS_KEY SECRET_KEY REGION

LOG is s3_proxy.py's record: one JSON line per request as the client sent
it. Test S3 servers such as s3rver do not check V4 signatures, so reel's
(libcurl's, and reel's own presigned URLs) are checked here, by an
independent implementation: botocore, the signer of the AWS SDK for Python
and of awscli. For each request:

- Authorization header: botocore's S3SigV4Auth signs the same method, URL,
  signed headers and payload hash at the recorded X-Amz-Date; its signature
  and signed-header list must equal the request's. The payload hash must be
  the SHA-256 of the body that arrived (or UNSIGNED-PAYLOAD), and host,
  x-amz-date, x-amz-content-sha256, every other x-amz-* header, Content-Type
  and Range must be among the signed headers.
- Presigned URL (X-Amz-Algorithm in the query): botocore's S3SigV4QueryAuth
  presigns the URL without its X-Amz-* parameters at the recorded date and
  expiry; the signature must be the same.
- Any other request is unsigned, which is an error.

Prints one line per failure and a summary "sigv4: N verified (GET a, PUT b,
..., presigned c)"; exits 1 on any failure or when LOG holds no request.
"""
import collections
import hashlib
import json
import sys
import urllib.parse

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

UNSIGNED = "UNSIGNED-PAYLOAD"
MUST_SIGN = ("content-type", "range", "if-match", "content-md5")


class RecordedPayloadAuth(S3SigV4Auth):
    """S3SigV4Auth with the payload hash taken from the record (the proxy
    logs the body's hash, not the body); it is checked against the body's
    own SHA-256 separately."""

    def __init__(self, credentials, region, payload_hash):
        super().__init__(credentials, "s3", region)
        self._recorded = payload_hash

    def payload(self, request):
        return self._recorded


def parse_authorization(value):
    algorithm, _, rest = value.partition(" ")
    parts = dict(p.strip().split("=", 1) for p in rest.split(","))
    return algorithm, parts["Credential"], parts["SignedHeaders"], parts["Signature"]


def check_header_auth(entry, headers, creds, region):
    algorithm, credential, signed, signature = parse_authorization(headers["authorization"])
    if algorithm != "AWS4-HMAC-SHA256":
        return "algorithm %s" % algorithm
    amz_date = headers.get("x-amz-date", "")
    key, date, cred_region, service, terminal = credential.split("/")
    if (key, date, cred_region, service, terminal) != (
            creds.access_key, amz_date[:8], region, "s3", "aws4_request"):
        return "credential scope %s" % credential
    signed_list = signed.split(";")
    for name in headers:
        if (name.startswith("x-amz-") or name in MUST_SIGN) and name not in signed_list:
            return "header %s is not signed" % name
    for name in ("host", "x-amz-date", "x-amz-content-sha256"):
        if name not in signed_list:
            return "header %s is not signed" % name
    payload = headers["x-amz-content-sha256"]
    if payload != UNSIGNED and payload != entry["body_sha256"]:
        return "x-amz-content-sha256 %s but the body's SHA-256 is %s" % (
            payload, entry["body_sha256"])

    request = AWSRequest(method=entry["method"], url="http://%s%s" % (headers["host"], entry["target"]),
                         headers={n: headers[n] for n in signed_list
                                  if n not in ("x-amz-date", "x-amz-content-sha256")})
    request.context["timestamp"] = amz_date
    auth = RecordedPayloadAuth(creds, region, payload)
    auth._modify_request_before_signing(request)
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    botocore_signed = auth.signed_headers(auth.headers_to_sign(request))
    if botocore_signed != signed:
        return "signed headers %s, botocore signs %s" % (signed, botocore_signed)
    if expected != signature:
        return "signature %s, botocore computes %s over:\n%s" % (signature, expected, canonical)
    return None


def check_query_auth(entry, headers, creds, region):
    url = urllib.parse.urlsplit(entry["target"])
    params = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
    auth_params = {k: v for k, v in params if k.startswith("X-Amz-")}
    rest = [(k, v) for k, v in params if not k.startswith("X-Amz-")]
    if auth_params.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
        return "algorithm %s" % auth_params.get("X-Amz-Algorithm")
    if auth_params.get("X-Amz-SignedHeaders") != "host":
        return "signed headers %s" % auth_params.get("X-Amz-SignedHeaders")
    bare = urllib.parse.urlunsplit(("http", headers["host"], url.path,
                                    urllib.parse.urlencode(rest), ""))
    request = AWSRequest(method=entry["method"], url=bare)
    request.context["timestamp"] = auth_params["X-Amz-Date"]
    auth = S3SigV4QueryAuth(creds, "s3", region, expires=int(auth_params["X-Amz-Expires"]))
    auth._modify_request_before_signing(request)
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    if expected != auth_params.get("X-Amz-Signature"):
        return "presigned signature %s, botocore computes %s over:\n%s" % (
            auth_params.get("X-Amz-Signature"), expected, canonical)
    expected_credential = "%s/%s/%s/s3/aws4_request" % (
        creds.access_key, auth_params["X-Amz-Date"][:8], region)
    if auth_params.get("X-Amz-Credential") != expected_credential:
        return "credential %s" % auth_params.get("X-Amz-Credential")
    return None


def main():
    log, access, secret, region = sys.argv[1:5]
    creds = Credentials(access, secret)
    counts = collections.Counter()
    failures = 0
    with open(log) as f:
        entries = [json.loads(line) for line in f if line.strip()]
    for entry in entries:
        headers = {k.lower(): v for k, v in entry["headers"]}
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(entry["target"]).query)
        if "authorization" in headers:
            kind, problem = entry["method"], check_header_auth(entry, headers, creds, region)
        elif "X-Amz-Algorithm" in query:
            kind, problem = "presigned", check_query_auth(entry, headers, creds, region)
        else:
            kind, problem = "unsigned", "no signature at all"
        if problem:
            failures += 1
            print("FAIL %s %s: %s" % (entry["method"], entry["target"], problem))
        else:
            counts[kind] += 1
            # Multipart uploads' requests, told apart by their query.
            if "uploads=" in entry["target"] or "uploadId=" in entry["target"]:
                counts["multipart"] += 1
    print("sigv4: %d verified (%s)" % (
        sum(v for k, v in counts.items() if k != "multipart"),
        ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    sys.exit(1 if failures or not entries else 0)


if __name__ == "__main__":
    main()
