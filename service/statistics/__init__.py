"""The annual statistics: figures per network, county and municipality for a year, and
their CSV and XLSX files."""
