"""One generation run, and the two calls the CLI, the studio and the cluster use:
`plan(settings)` and `generate(settings, on_progress)`. A run plans (or resumes the saved
plan), prepares the output, renders what is missing, publishes the collection files, writes
the preview when asked, and logs the run."""

import logging
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from modules.analysis.preview import write_preview
from modules.constants import DEFAULT_IPFS_CID
from modules.dependency_container import Container, build_container
from modules.digests import json_sha256
from modules.load.chain_settings import chosen_chains
from modules.load.config_manager import changed_trait_files
from modules.load.spec import CollectionSpec
from modules.plan.distribution import drifted_layers
from modules.plan.selection import Combo
from modules.publish.checkpoint import HashLedger, write_plan_state
from modules.publish.duplicate_images import identical_tokens
from modules.publish.exporters.chain_files import check_chains, write_chain_files
from modules.publish.exporters.token import chain_tokens
from modules.publish.metadata_manager import MetadataManager, share_cells
from modules.publish.output_folder import check_output_location, checked_write, prepare_output
from modules.publish.output_lock import OutputLock
from modules.publish.provenance import provenance_document, write_provenance_document
from modules.publish.run_log import append_run, reserve_run, utc_now
from modules.render.render_pool import RenderSettings, start_worker_server
from modules.run.collection_renderer import CollectionRenderer, ProgressCallback
from modules.run.memory_budget import check_render_memory
from modules.run.planning import Plan, make_plan
from modules.run.report import Report
from modules.run.stop_signals import blocked_for_workers
from modules.settings import GenerationSettings

logger = logging.getLogger(__name__)

PLACEHOLDER_BASE_URI = f"ipfs://{DEFAULT_IPFS_CID}/"


def plan(settings: GenerationSettings, services: Container | None = None) -> Plan:
    """Every token's combination for `settings`, continuing a saved plan when resuming;
    checks capacity and writes nothing."""
    return NFTGenerator(services or build_container(settings), settings).plan()


def generate(
    settings: GenerationSettings,
    on_progress: ProgressCallback | None = None,
    services: Container | None = None,
) -> Report:
    """Plan and, unless a dry run, render what is missing and publish the collection;
    `on_progress` gets the number of tokens finished since its last call."""
    local_pool = settings.workers > 1 and settings.cluster is None
    if services is None and local_pool and not settings.dry_run:
        # Stop signals stay blocked in the server and every worker it forks: Ctrl-C to the
        # process group reaches only this process, which ends the pool between tokens.
        with blocked_for_workers():
            start_worker_server()  # overlaps the workers' start-up with loading the inputs
    return NFTGenerator(services or build_container(settings), settings).generate(on_progress)


class NFTGenerator:
    """Runs the pipeline for one settings object with the services of one container."""

    def __init__(self, services: Container, settings: GenerationSettings) -> None:
        self.services = services
        self.settings = settings

    def plan(self) -> Plan:
        return make_plan(
            self.services.config_manager.spec, self.services.trait_tracker, self.settings
        )

    def generate(self, on_progress: ProgressCallback | None = None) -> Report:
        settings = self.settings
        if settings.dry_run:
            planned = self.plan()
            report = self._report(planned)
            report.planned_only = True
            report.shares = self._metadata(planned).share_rows(planned.combos)
            return report
        check_output_location(settings.output_dir, self.services.config_manager.spec.traits_dir)
        # Held from before the checkpoint is read until the run log is written.
        with OutputLock(settings.output_dir, "generate"):
            return self._write_collection(on_progress or (lambda _: None))

    def _report(self, planned: Plan) -> Report:
        report = Report(self.settings.num_tokens, planned.seed, planned.capacity, planned.redraws)
        shares = self._metadata(planned).share_rows(planned.combos)
        report.drift = drifted_layers(share_cells(shares))
        report.start_id = planned.spec.start_id
        report.one_of_ones = len(planned.layout.one_of_ones)
        return report

    def _metadata(self, planned: Plan) -> MetadataManager:
        """The metadata manager for the plan's layer sets and 1-of-1s."""
        return self.services.metadata_manager.with_layout(planned.layout)

    def _write_collection(self, on_progress: ProgressCallback) -> Report:
        started_at = utc_now()
        return self.write_plan(self.plan(), on_progress, started_at)

    def write_plan(
        self,
        planned: Plan,
        on_progress: ProgressCallback,
        started_at: str,
        log_note: Mapping[str, Any] | None = None,
    ) -> Report:
        """Write `planned` (the caller holds the output lock): its state, the tokens not on
        disk yet, the collection files once all exist, and the run log (with `log_note`)."""
        settings = self.settings
        check_render_memory(planned.spec, settings.workers)
        report = self._report(planned)
        if planned.spec.metadata.base_uri == PLACEHOLDER_BASE_URI:
            logger.warning(
                "ipfs_cid is still the placeholder '%s': the image URIs are not real yet; set "
                "ipfs_cid (or base_uri) in the config and --resume, or run genecator update-cid",
                DEFAULT_IPFS_CID,
            )
        check_chains(self._chains_of(planned.spec), planned.spec.chains, settings.config_path.name)
        if settings.cluster is not None:
            self._check_cluster(planned.spec)
        prepare_output(settings, planned.spec.start_id)
        self._write(write_plan_state, settings.output_dir, planned.state)
        renderer = self._renderer(planned, report, on_progress)
        self._write(reserve_run, settings.output_dir, started_at)  # a full disk still logs
        renderer.run(planned.combos)
        public = renderer.metadata.public_id
        report.identical_images = [
            [public(i) for i in group] for group in identical_tokens(renderer.hashes)
        ]
        report.identical_allowed = planned.spec.allow_identical_art
        if settings.performance_stats:  # opt-in: these figures differ from run to run
            report.performance = report.statistics(self.services.circuit_breaker.status())
        complete = report.done == len(planned.combos) and self._unchanged(planned, renderer)
        if complete:
            self._publish(planned.combos, renderer, report)
        self._log_run(planned, report, started_at, log_note or {})
        if complete and settings.preview:
            report.written_files += write_preview(settings.output_dir)
        return report

    def _check_cluster(self, spec: CollectionSpec) -> None:
        """Before anything is written: every Dask worker reads the traits and writes the output."""
        # Imported here: distributed is optional and slow to import.
        from modules.render.cluster import check_cluster

        files = {
            part.file for layer in spec.layers for option in layer.options for part in option.parts
        }
        files |= {one.image for one in spec.one_of_ones}
        check_cluster(str(self.settings.cluster), sorted(files), self.settings.output_dir)

    def _unchanged(self, planned: Plan, renderer: CollectionRenderer) -> bool:
        """Whether the trait files and every token's files are still what the run used and
        wrote, so publishing vouches only for the planned collection."""
        changed = changed_trait_files(planned.spec)
        if changed:
            more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
            renderer.report.fatal = (
                f"{changed[0]}{more}: changed during the run, so the collection is not "
                "published; put the original back and run again with --resume (or start "
                "over with --force to use the new art)"
            )
            return False
        renderer.recheck(planned.combos)
        return renderer.report.done == len(planned.combos)

    def _renderer(
        self, planned: Plan, report: Report, on_progress: ProgressCallback
    ) -> CollectionRenderer:
        services = self.services
        return CollectionRenderer(
            render_settings=RenderSettings(self.settings, planned.spec.image_size),
            background=planned.spec.background,
            seed=planned.seed,
            metadata=services.metadata_manager.with_layout(planned.layout),
            processor=services.image_processor,
            resources=services.resource_manager,
            breaker=services.circuit_breaker,
            ledger=HashLedger(self.settings.output_dir),
            report=report,
            on_progress=on_progress,
        )

    def _publish(
        self, combos: Sequence[Combo], renderer: CollectionRenderer, report: Report
    ) -> None:
        """The collection files, written once every token exists."""
        output, metadata = self.settings.output_dir, renderer.metadata
        hashes = renderer.hashes
        self._write(renderer.ledger.finish, hashes)
        self._write(
            metadata.write_collection_files,
            output,
            self.settings.metadata_dir,
            combos,
            self._stats(report),
            report.seed,
        )
        images = [
            (metadata.public_id(i), metadata.image_file(i, combo), hashes[i])
            for i, combo in enumerate(combos, 1)
        ]
        document = provenance_document(images, start_id=metadata.spec.start_id)
        self._write(write_provenance_document, output, document)
        chains = self._chains_of(metadata.spec)
        tokens = partial(chain_tokens, metadata, combos, report.seed)
        self._write(write_chain_files, chains, metadata.spec, tokens, output)

    def _chains_of(self, spec: CollectionSpec) -> tuple[str, ...]:
        return chosen_chains(self.settings.chains, spec.chains)

    def _stats(self, report: Report) -> dict[str, Any]:
        stats: dict[str, Any] = {
            "capacity": {"count": report.capacity.count, "exact": report.capacity.exact},
            "planning_redraws": dict(report.planning_failures),
            "seed": report.seed,
            "tokens": report.done,
        }
        if report.one_of_ones:  # only then: other collections' files stay as they were
            stats["one_of_ones"] = report.one_of_ones
        if report.performance is not None:
            stats["performance"] = report.performance
        if report.identical_images:  # only then: other collections' files stay as they were
            stats["identical_images"] = report.identical_images
        return stats

    def _write(self, action: Callable[..., None], *args: object) -> None:
        checked_write(self.services.resource_manager, self.settings.output_dir, action, *args)

    def _log_run(
        self, planned: Plan, report: Report, started_at: str, note: Mapping[str, Any]
    ) -> None:
        self._write(
            append_run,
            self.settings.output_dir,
            {
                "started": started_at,
                "ended": utc_now(),
                "duration_s": round(report.seconds, 3),
                "seed": planned.seed,
                "tokens_requested": report.requested,
                "tokens_written": report.written,
                "tokens_reused": report.reused,
                "metadata_rewritten": report.metadata_rewritten,
                "failures": report.failures_by_reason(),
                "retries": report.retries,
                "workers": self.settings.workers,
                "cluster": self.settings.cluster,  # None: rendered by this machine's workers
                "fingerprint": json_sha256(planned.state.fingerprint),
                "resumed": self.settings.resume,
                "exit_code": report.exit_code,
                **note,
            },
        )
