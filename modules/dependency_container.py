"""The services of one run, built once from its settings by build_container; tests build
the Container directly with fakes."""

from dataclasses import dataclass

from modules.load.config_manager import ConfigManager
from modules.plan.selection import model_from_spec
from modules.plan.trait_tracker import TraitTracker
from modules.publish.metadata_manager import MetadataManager
from modules.render.image_processor import ImageProcessor
from modules.resource_manager import CircuitBreaker, ResourceManager
from modules.settings import GenerationSettings


@dataclass(frozen=True)
class Container:
    """Plain references to the run's services; no registry, no globals, no settings."""

    config_manager: ConfigManager  # the validated spec, loaded once
    image_processor: ImageProcessor  # renders in the run's own process (--workers 1)
    trait_tracker: TraitTracker  # the planned combinations
    metadata_manager: MetadataManager  # token metadata and the collection files
    resource_manager: ResourceManager  # retries of transient write errors
    circuit_breaker: CircuitBreaker  # stops a run that keeps failing


def build_container(settings: GenerationSettings) -> Container:
    """Load and validate the inputs, then wire the services that depend on them."""
    config_manager = ConfigManager(
        settings.config_path, settings.ruler_path, settings.traits_dir, settings.start_id
    )
    spec = config_manager.spec
    model = model_from_spec(spec)
    cache = settings.cache
    return Container(
        config_manager=config_manager,
        image_processor=ImageProcessor(cache.max_memory_mb, cache.cache_size),
        trait_tracker=TraitTracker(model.priority, model.similar_limit, model.min_difference),
        metadata_manager=MetadataManager(spec, settings.encode),
        resource_manager=ResourceManager(delay=settings.retry_delay),
        circuit_breaker=CircuitBreaker(threshold=settings.breaker_threshold),
    )
