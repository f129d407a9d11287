"""Rendering results for people: tables, plots."""
