"""The admin of the leads app, one module per topic: where admins configure sources, campaigns,
rules, pools and scorecards, and read the history the services write.

The admin configures; services write: a source, campaign, rule, scorecard or lead saved here
goes through the same service as the API, with the same checks and the same audit verb.
Importing the modules registers their admin classes (Django's autodiscovery imports this
package).
"""

from leads.admin import catalog, imports, inspection, lead, quality, rules

__all__ = ["catalog", "imports", "inspection", "lead", "quality", "rules"]
