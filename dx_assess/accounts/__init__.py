"""Account management: the one place that writes users and adviser assignments."""
