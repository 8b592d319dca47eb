/* Who is asking: the client address a request's flood limits count under.
 *
 * By default the socket's peer. Behind a reverse proxy every request comes
 * from the proxy, so for peers listed in http.trusted_proxies the client is
 * read from X-Forwarded-For: the right-most address that is not itself a
 * trusted proxy (each proxy appends the address it got the request from, so
 * everything left of the last trusted hop is the client's own word). The
 * header of any other peer is ignored: a client could otherwise pick a new
 * address for every request.
 *
 * The key of an address is the address itself for IPv4 and its /64 for
 * IPv6, the block one subscriber line gets: counting single IPv6 addresses
 * would give one host billions of keys. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The networks of a comma-separated list of IPs and CIDR ranges (NULL or
 * empty: none); entries that do not parse are skipped (the config checked
 * them). */
GPtrArray *reel_peer_networks_new (const char *list);
gboolean reel_peer_trusted (GPtrArray *networks, GInetAddress *addr);

/* "203.0.113.7" or "2001:db8:1:2::/64" (IPv4-mapped IPv6 as IPv4). */
char *reel_peer_key (GInetAddress *addr);

/* The key of the client behind msg, following X-Forwarded-For through
 * trusted proxies; "unknown" when the socket has no IP peer. */
char *reel_peer_client_key (GPtrArray *trusted, SoupServerMessage *msg);

/* The socket peer of msg, or NULL (not an IP socket). */
GInetAddress *reel_peer_address (SoupServerMessage *msg);

G_END_DECLS
