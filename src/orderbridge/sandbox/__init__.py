"""Local stand-ins for the remote systems orderbridge talks to (marketplaces, the merchant's OMS).

Each simulator is a separate HTTP application reached over real sockets. Nothing in this
package may import the rest of ``orderbridge``: a simulator plays a remote system, and sharing
code with the hub would let the hub's assumptions leak into the stand-in it is tested against.
"""
