"""`genecator validate` (and `python validate_traits.py`): check config.json, ruler.json and
every trait file without generating anything."""

from dataclasses import replace
from pathlib import Path

import click

from modules.cli.support import (
    CONTEXT,
    config_option,
    log_level_option,
    ruler_option,
    run_command,
    traits_option,
)
from modules.plan.rule_check import rule_problems
from modules.run.input_check import check_inputs
from modules.settings import locate_inputs

EXIT_WARNINGS = 1


@click.command("validate", context_settings=CONTEXT)
@config_option
@ruler_option
@traits_option
@log_level_option
@click.pass_context
def validate_command(
    ctx: click.Context, config: Path | None, ruler: Path | None, traits: Path, log_level: str
) -> None:
    """Validate the config, the rules and every trait image (the generator's own preflight,
    plus warnings). Exit 0 only when everything is clean."""

    def action() -> int:
        config_path, ruler_path = locate_inputs(config, ruler)
        check = check_inputs(config_path, ruler_path, traits)
        impossible, dead_ends = rule_problems(check.spec)
        check = replace(check, warnings=check.warnings + impossible + dead_ends)
        for warning in check.warnings:
            click.echo(f"Warning: {warning}", err=True)
        click.echo(check.summary(config_path))
        return EXIT_WARNINGS if check.warnings else 0

    run_command(ctx, log_level, action)
