"""Running pending work (due polls, the outbox): embedded asyncio or distributed procrastinate."""
