"""The domain: orders, money, addresses and the state machines. Pure Python, no I/O."""
