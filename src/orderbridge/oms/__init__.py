"""Export targets (webhook, files) that hand orders to the merchant's OMS."""
