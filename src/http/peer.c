/* See peer.h. */
#include "http/peer.h"

#include <string.h>

/* X-Forwarded-For entries walked at most: real chains are two or three
 * proxies long, and the walk must stay cheap whatever a client sends. */
#define FORWARDED_HOPS_MAX 16
/* Bytes of an IPv6 address that name the subscriber's network (/64). */
#define IPV6_NETWORK_BYTES 8

GPtrArray *
reel_peer_networks_new (const char *list)
{
  GPtrArray *networks = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto (GStrv) parts = g_strsplit (list ? list : "", ",", -1);
  for (guint i = 0; parts[i]; i++)
    {
      GInetAddressMask *mask = g_inet_address_mask_new_from_string (g_strstrip (parts[i]), NULL);
      if (mask)
        g_ptr_array_add (networks, mask);
    }
  return networks;
}

/* The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d), or a
 * new reference to addr. */
static GInetAddress *
unmapped (GInetAddress *addr)
{
  static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  const guint8 *bytes = g_inet_address_to_bytes (addr);
  if (g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV6
      && memcmp (bytes, prefix, sizeof prefix) == 0)
    return g_inet_address_new_from_bytes (bytes + sizeof prefix, G_SOCKET_FAMILY_IPV4);
  return g_object_ref (addr);
}

gboolean
reel_peer_trusted (GPtrArray *networks, GInetAddress *addr)
{
  g_autoptr (GInetAddress) plain = unmapped (addr);
  for (guint i = 0; networks && i < networks->len; i++)
    if (g_inet_address_mask_matches (networks->pdata[i], plain))
      return TRUE;
  return FALSE;
}

char *
reel_peer_key (GInetAddress *addr)
{
  g_autoptr (GInetAddress) plain = unmapped (addr);
  guint8 bytes[16] = { 0 };
  g_autoptr (GInetAddress) network = NULL;
  g_autofree char *text = NULL;

  if (g_inet_address_get_family (plain) == G_SOCKET_FAMILY_IPV4)
    return g_inet_address_to_string (plain);
  memcpy (bytes, g_inet_address_to_bytes (plain), IPV6_NETWORK_BYTES);
  network = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV6);
  text = g_inet_address_to_string (network);
  return g_strdup_printf ("%s/64", text);
}

GInetAddress *
reel_peer_address (SoupServerMessage *msg)
{
  GSocketAddress *sa = soup_server_message_get_remote_address (msg);
  if (!sa || !G_IS_INET_SOCKET_ADDRESS (sa))
    return NULL;
  return g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa));
}

char *
reel_peer_client_key (GPtrArray *trusted, SoupServerMessage *msg)
{
  GInetAddress *peer = reel_peer_address (msg);
  g_autoptr (GInetAddress) client = NULL;
  const char *forwarded;
  g_auto (GStrv) hops = NULL;

  if (!peer)
    return g_strdup ("unknown");
  client = g_object_ref (peer);
  forwarded = soup_message_headers_get_list (soup_server_message_get_request_headers (msg),
                                             "X-Forwarded-For");
  if (!forwarded || !reel_peer_trusted (trusted, peer))
    return reel_peer_key (client);
  hops = g_strsplit (forwarded, ",", -1);
  /* From the right: each trusted hop vouches for the address left of it. */
  for (guint n = g_strv_length (hops), walked = 0; n > 0 && walked < FORWARDED_HOPS_MAX;
       n--, walked++)
    {
      GInetAddress *hop = g_inet_address_new_from_string (g_strstrip (hops[n - 1]));
      if (!hop)
        break; /* garbage from a trusted proxy: count it under that proxy */
      g_object_unref (client);
      client = hop;
      if (!reel_peer_trusted (trusted, client))
        break;
    }
  return reel_peer_key (client);
}
