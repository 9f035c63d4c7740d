"""Runnable examples: ``python -m sansocket.examples.echo_server ADDR``."""
