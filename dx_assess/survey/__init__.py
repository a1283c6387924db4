"""Answering: rounds, responses, the form, saving with conflict detection, the audit trail."""
