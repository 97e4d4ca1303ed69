"""Which address a request really came from, for lockouts and security log lines.

X-Forwarded-For is written by whoever sends the request, so it is believed only as far as it was
written by our own proxies: the request must reach us from an address in TRUSTED_PROXIES, and then
the header is read from the right (the entry each proxy appended) past every trusted hop. The first
entry that is not one of our proxies is the client. Anything further left was written by the client
and is never used. A request that does not come from a trusted proxy is counted by the address
that connected (REMOTE_ADDR), whatever headers it carries: with the app reachable directly the
header can neither dodge a lockout nor aim one at someone else.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple:
    """TRUSTED_PROXIES (addresses or CIDR ranges) as networks; a bad entry stops the start."""
    networks = []
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES entry {entry!r} is not an IP address or range (e.g. 10.0.0.5 or 10.0.0.0/24)."
            ) from exc
    return tuple(networks)


def parse_address(text: str):
    """An IP address from a header entry (tolerating a port, IPv6 brackets, spaces), else None."""
    text = (text or "").strip().strip('"')
    candidates = [text]
    if text.startswith("["):  # [2001:db8::1]:443
        candidates.append(text[1:].split("]", 1)[0])
    elif text.count(":") == 1:  # 203.0.113.7:51234
        candidates.append(text.split(":", 1)[0])
    for candidate in candidates:
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            continue
        # An IPv4 client seen through an IPv6 socket (::ffff:203.0.113.7) is that IPv4 client.
        return getattr(address, "ipv4_mapped", None) or address
    return None


def _is_trusted(address, networks) -> bool:
    return address is not None and any(address.version == net.version and address in net for net in networks)


def client_address(meta) -> str | None:
    """The client's address for a request's META (see the module docstring)."""
    remote_text = meta.get("REMOTE_ADDR")
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    remote = parse_address(remote_text)
    if not _is_trusted(remote, networks):
        return str(remote) if remote is not None else remote_text
    hop = remote
    for entry in reversed(meta.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = parse_address(entry)
        if address is None:
            # Our proxy passed on something that is not an address: the last hop we can vouch for
            # is the best we know (never the unparseable text, and never anything left of it).
            return str(hop)
        if not _is_trusted(address, networks):
            return str(address)
        hop = address
    # Every entry was one of our proxies (or there was no header): the earliest of them.
    return str(hop)
