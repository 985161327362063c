"""``flask routing train``: train the routing model now and print its figures as JSON."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from .training import TooLittleData, TrainingBusy, train

routing_cli = AppGroup("routing", help="The learned routing model (units and categories).")


@routing_cli.command("train")
def train_command() -> None:
    """Learn from every complaint routed by staff or LAPOR! history; print a JSON summary.

    The summary: trained_on, units, categories, took_s, then the held-out
    figures (accuracy, top3, macro_f1, auto_threshold, auto_coverage,
    auto_precision). Exits with status 1 when there is too little to learn
    from or another process is training.
    """
    try:
        trained = train()
    except (TooLittleData, TrainingBusy) as refusal:
        raise click.ClickException(refusal.message) from None
    assert trained is not None  # only a scheduler's train(only_if_due=True) may skip
    click.echo(json.dumps(trained.summary))


def init_app(app: Flask) -> None:
    app.cli.add_command(routing_cli)
