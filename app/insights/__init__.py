"""Insights: the community health dashboard and the ambassador pipeline, for managers and admins."""
