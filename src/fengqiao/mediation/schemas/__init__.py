"""API schemas of the mediation app, one module per sub-domain (disputes, referrals, follow-ups,
committees, screening, petitions) and the pieces they share (common)."""
