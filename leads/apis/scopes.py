"""The API-key scopes the leads resources require (`required_scopes` of their viewsets)."""

LEAD_SCOPES = {"read": "leads:read", "write": "leads:write"}
# Integrations read quality (quality:read); "quality:write" is registered for no key: opening a
# dispute takes a person of one side, and ruling or scoring a person of the quality department.
QUALITY_SCOPES = {"read": "quality:read", "write": "quality:write"}
