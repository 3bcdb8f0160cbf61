"""The metrics service: the one place every figure is defined (see DESIGN.md, "Metrics").

It reads the feature apps (leads, later handoff and complaints) and is read by the meetings
and the dashboards; nothing below it imports it. Figures live by topic: `funnel.py`,
`periods.py`. (An installed app: this package imports nothing, so that Django can load it
before the models.)
"""
