"""The services of one run, built once from its settings; tests build it with fakes."""

from dataclasses import dataclass

from modules.config_manager import ConfigManager
from modules.image_processor import ImageProcessor
from modules.metadata_manager import MetadataManager
from modules.resource_manager import CircuitBreaker, ResourceManager
from modules.selection import SelectionModel, model_from_spec
from modules.settings import GenerationSettings
from modules.spec import CollectionSpec
from modules.trait_tracker import TraitTracker


@dataclass(frozen=True)
class Container:
    """Plain references to the run's services; no registry, no globals."""

    config_manager: ConfigManager
    spec: CollectionSpec
    model: SelectionModel
    image_processor: ImageProcessor
    trait_tracker: TraitTracker
    metadata_manager: MetadataManager
    resource_manager: ResourceManager
    circuit_breaker: CircuitBreaker


def build_container(settings: GenerationSettings) -> Container:
    """Load and validate the inputs, then wire the services that depend on them."""
    config_manager = ConfigManager(settings.config_path, settings.ruler_path, settings.traits_dir)
    spec = config_manager.load()
    model = model_from_spec(spec)
    return Container(
        config_manager=config_manager,
        spec=spec,
        model=model,
        image_processor=ImageProcessor(settings.max_memory_mb, settings.cache_size),
        trait_tracker=TraitTracker(model.priority, model.similar_limit),
        metadata_manager=MetadataManager(spec, settings.encode_options),
        resource_manager=ResourceManager(delay=settings.retry_delay),
        circuit_breaker=CircuitBreaker(threshold=settings.breaker_threshold),
    )
