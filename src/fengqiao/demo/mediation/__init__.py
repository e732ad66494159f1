"""The demo county's mediation: committees and mediators, and a year of disputes, screening
rounds and petitions made by the services on the case history's timeline."""
