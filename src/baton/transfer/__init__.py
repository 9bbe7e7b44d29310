"""Transfer: channel offers, the outbox, webhooks, e-mail and realtime events."""
