"""The top floor: pages that show the metrics service's figures. Nothing imports this package;
it plugs into the core's navigation and page routes from DashboardsConfig.ready()."""
