"""The export download: a registered list as an .xlsx or CSV file over HTTP."""
