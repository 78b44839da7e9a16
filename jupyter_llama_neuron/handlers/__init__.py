"""Thin Tornado handlers: parse, call a service, return JSON. Logic lives in the services."""
