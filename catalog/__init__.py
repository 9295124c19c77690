"""Staging styles and room types."""
