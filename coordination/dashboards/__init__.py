"""The top floor: pages that show the metrics service's figures. Nothing imports this package
but the project's URLs."""
