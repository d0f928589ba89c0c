"""Webhooks: admins register endpoints; events are queued as signed deliveries the worker sends."""
