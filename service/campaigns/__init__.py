"""Invitation campaigns: letters to municipalities' official addresses, reply links, and
selecting members from the replies."""
