"""orderbridge: a marketplace order hub between sales channels and the merchant's OMS."""

__version__ = "0.1.0"
