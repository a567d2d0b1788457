"""Network documents (action plans, minutes, brochures) with their versions, and the public
coordinator directory."""
