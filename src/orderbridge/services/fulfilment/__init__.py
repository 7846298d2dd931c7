"""Fulfilment: what the OMS reports (shipments, cancellations, refunds) recorded, checked and
queued for the marketplace, and the delivery of those updates from the outbox."""
