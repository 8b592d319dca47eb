/* Answering a request from its headers alone, before its body is read.
 *
 * libsoup 3 reads a whole request body before it writes any answer, even
 * one decided from the headers (a 401 of an anonymous upload, a 413 from
 * Content-Length): a client announcing 200 MiB would make reeld read and
 * throw away 200 MiB first. Unless the client asked "Expect: 100-continue"
 * (then libsoup sends the error without reading and the client never sends
 * the body), reel takes the connection over from libsoup, writes the
 * answer itself with "Connection: close", and closes the connection after a
 * short lingering close: the write side is shut down, then whatever the
 * client is still sending is discarded for at most LINGER_MS or
 * LINGER_MAX_BYTES, so that closing does not send a reset that could
 * destroy the answer in the client's receive buffer before it reads it. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Sends msg's response (status, headers and body already set) now and ends
 * the connection after it. Returns TRUE when it took the connection over
 * (libsoup will then emit neither request-finished nor request-aborted for
 * msg); FALSE when libsoup sends the answer itself (no body, or the client
 * expects 100-continue), "Connection: close" added either way. */
gboolean reel_http_answer_early (SoupServerMessage *msg);

/* Whether a request with these headers has a body to read (a length above
 * zero, or chunked). */
gboolean reel_http_request_has_body (SoupMessageHeaders *h);

G_END_DECLS
