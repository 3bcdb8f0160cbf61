"""Simplified Chinese formats: Django's, with amounts grouped by thousands (1,677,000.00), as
Chinese business documents and finance software write money."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
