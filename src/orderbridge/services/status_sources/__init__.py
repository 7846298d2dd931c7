"""Status sources: the OMS's shipments, cancellations and refunds arriving as files in a
folder or from an OMS endpoint polled since a cursor, applied like API requests.

Each kind has a runner (``folder``, ``poll``) that turns what it reads into
:class:`~.rows.StatusRow` values and hands them to :func:`~.applying.apply_row`; a bad
row becomes an error entry naming it, and never creates an order.
"""
