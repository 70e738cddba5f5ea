from __future__ import annotations

import click


@click.command("demo")
def demo_command() -> None:
    """Seed a demo parish (idempotent) and print the demo logins."""
