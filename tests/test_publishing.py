"""What a complete run publishes besides tokens: provenance.json, and --preview's files."""

import hashlib
import json

from click.testing import CliRunner

from modules.cli.generate import generate_command as cli
from tests.conftest import BASIC_LAYERS


def test_run_writes_provenance_of_its_images(make_project, monkeypatch):
    root = make_project(BASIC_LAYERS)
    monkeypatch.chdir(root)
    assert CliRunner().invoke(cli, ["-n", "7", "--seed", "2", "--workers", "1"]).exit_code == 0
    document = json.loads((root / "output" / "provenance.json").read_text())
    digests = [
        hashlib.sha256((root / "output" / "image" / f"{i}.png").read_bytes()).hexdigest()
        for i in range(1, 8)
    ]
    assert [image["sha256"] for image in document["images"]] == digests
    assert document["provenance_hash"] == hashlib.sha256("".join(digests).encode()).hexdigest()
    assert document["starting_index"] == 0


def test_preview_flag_writes_sheet_and_report_and_force_removes_them(make_project, monkeypatch):
    root = make_project(BASIC_LAYERS)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["-n", "5", "--seed", "2", "--workers", "1", "--preview"])
    assert result.exit_code == 0, result.output
    sheet, report = root / "output" / "preview.png", root / "output" / "report.html"
    assert f"Wrote {sheet.relative_to(root)}" in result.stdout
    assert sheet.is_file()
    assert "<svg" in report.read_text(encoding="utf-8")
    again = CliRunner().invoke(cli, ["-n", "5", "--seed", "3", "--workers", "1", "--force"])
    assert again.exit_code == 0
    assert not sheet.exists()
    assert not report.exists()


def test_resume_applies_changed_metadata_settings_without_rendering(make_project, monkeypatch):
    root = make_project(BASIC_LAYERS)
    monkeypatch.chdir(root)
    base = ["-n", "6", "--seed", "2", "--workers", "1"]
    assert CliRunner().invoke(cli, base).exit_code == 0
    images = {p.name: p.read_bytes() for p in (root / "output" / "image").iterdir()}
    config = json.loads((root / "config.json").read_text())
    config["metadata"] = {"name": "Renamed", "description": "Now with a description."}
    config["ipfs_cid"] = "bafybeifanx5xkvl2ye74mlhbopticzytaji4wgv72xbzzdoziq5snn7nyq"
    (root / "config.json").write_text(json.dumps(config))

    result = CliRunner().invoke(cli, [*base, "--resume"])

    assert result.exit_code == 0, result.output
    assert "Wrote 0 tokens (6 already done, 6 with new metadata)" in result.stdout
    assert {p.name: p.read_bytes() for p in (root / "output" / "image").iterdir()} == images
    combined = json.loads((root / "output" / "metadata" / "combined_metadata.json").read_text())
    for token_id, document in enumerate(combined, start=1):
        assert document == json.loads(
            (root / "output" / "metadata" / f"{token_id}.json").read_text()
        )
        assert document["name"] == f"Renamed #{token_id}"
        assert (
            document["image"]
            == f"ipfs://bafybeifanx5xkvl2ye74mlhbopticzytaji4wgv72xbzzdoziq5snn7nyq/{token_id}.png"
        )
