"""Pages of the mediation workbench: disputes, petitions, screening and the desk lists, one module
each, with the helpers they share (common). The resident portal is resident_views.py."""
