"""Outbound webhooks: subscriptions to events of the outbox, signed deliveries with retries.

Part of the organisation core: it imports no feature app. Feature apps name the events they
emit with `webhook_event_register` (coordination.core.webhooks.services).
"""
