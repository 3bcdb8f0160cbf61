"""Floor 1, the organisation core: people, departments, calendar, notifications, audit trail,
API keys, the event outbox and its webhooks, and the API and page pieces every app shares.

It imports no feature app; apps plug into its registries from their AppConfig.ready().
"""
