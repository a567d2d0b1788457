"""What only administrators read over the API: the audit log."""
