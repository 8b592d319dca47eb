/* The site's own absolute address, for links that leave it: the oEmbed
 * answer's iframe, feeds read by aggregators. http.public_url when set
 * (behind a proxy that is the only trustworthy answer); else the scheme,
 * host and port the request itself was sent to, which is right for a
 * reeld reached directly. */
#pragma once

#include "http/server.h"

G_BEGIN_DECLS

/* "scheme://host[:port]" with no trailing slash. */
char *reel_request_site_url (ReelRequest *req);

G_END_DECLS
