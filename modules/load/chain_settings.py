"""The chains a collection is exported for and each chain's settings from config.json, checked
beyond the schema (creator shares, base58 addresses, the Cardano policy id)."""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHAINS = ("opensea", "erc1155", "solana", "tezos", "cardano")
DEFAULT_CHAINS = ("opensea",)
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
SOLANA_KEY_BYTES = 32
MAX_SOLANA_CREATORS = 5
TOTAL_SHARES = 100
TEZOS_ADDRESS = re.compile(r"^(tz1|tz2|tz3|tz4|KT1)[1-9A-HJ-NP-Za-km-z]{33}$")
POLICY_ID = re.compile(r"^[0-9a-f]{56}$")
PLACEHOLDER_POLICY_ID = "0" * 56
POLICY_HINT = "create a minting policy (cardano-cli transaction policyid) and put its id here"


@dataclass(frozen=True)
class Creator:
    """A creator's address and percent share of royalties (Solana) or listing (Tezos)."""

    address: str
    share: int = TOTAL_SHARES


@dataclass(frozen=True)
class SolanaSettings:
    """Metaplex Token Metadata fields shared by every token, and the collection NFT's image."""

    symbol: str = ""
    seller_fee_basis_points: int = 0
    creators: tuple[Creator, ...] = ()
    family: str = ""
    collection_image: Path | None = None


@dataclass(frozen=True)
class TezosSettings:
    """TZIP-21 fields shared by every token; royalty shares are in 10**-royalty_decimals."""

    symbol: str = ""
    creators: tuple[str, ...] = ()
    royalty_decimals: int = 4
    royalty_shares: tuple[tuple[str, int], ...] = ()
    is_boolean_amount: bool = True
    thumbnail_size: int = 350


@dataclass(frozen=True)
class CardanoSettings:
    """The minting policy and how asset names are made (`asset_prefix` + token id)."""

    policy_id: str = ""
    asset_prefix: str = "Token"


@dataclass(frozen=True)
class Erc1155Settings:
    """ERC-1155 token metadata: `decimals` and where the metadata folder will be served."""

    decimals: int = 0
    metadata_uri: str = ""


@dataclass(frozen=True)
class ChainSettings:
    """The config's chains (opensea unless listed) and every chain's section."""

    chains: tuple[str, ...] = DEFAULT_CHAINS
    solana: SolanaSettings = field(default_factory=SolanaSettings)
    tezos: TezosSettings = field(default_factory=TezosSettings)
    cardano: CardanoSettings | None = None
    erc1155: Erc1155Settings = field(default_factory=Erc1155Settings)


def chain_settings(
    config: dict[str, Any], label: str, config_dir: Path
) -> tuple[ChainSettings, list[str]]:
    """The chain settings of a schema-valid `config` and the problems the schema cannot see."""
    solana = config.get("solana", {})
    tezos = config.get("tezos", {})
    settings = ChainSettings(
        chains=tuple(dict.fromkeys(config.get("chains", DEFAULT_CHAINS))),
        solana=_solana(solana, config_dir),
        tezos=TezosSettings(
            symbol=tezos.get("symbol", ""),
            creators=tuple(tezos.get("creators", ())),
            royalty_decimals=tezos.get("royalty_decimals", 4),
            royalty_shares=tuple(sorted(tezos.get("royalties", {}).items())),
            is_boolean_amount=tezos.get("is_boolean_amount", True),
            thumbnail_size=tezos.get("thumbnail_size", 350),
        ),
        cardano=_cardano(config.get("cardano")),
        erc1155=Erc1155Settings(**config.get("erc1155", {})),
    )
    problems = solana_problems(settings.solana, label) + tezos_problems(settings.tezos, label)
    problems += cardano_problems(settings.cardano, label, "cardano" in config)
    return settings, problems


def _solana(document: dict[str, Any], config_dir: Path) -> SolanaSettings:
    image = document.get("collection_image")
    return SolanaSettings(
        symbol=document.get("symbol", ""),
        seller_fee_basis_points=document.get("seller_fee_basis_points", 0),
        creators=tuple(Creator(c["address"], c["share"]) for c in document.get("creators", ())),
        family=document.get("family", ""),
        collection_image=None if image is None else config_dir / image,
    )


def _cardano(document: dict[str, Any] | None) -> CardanoSettings | None:
    return None if document is None else CardanoSettings(**document)


def solana_problems(settings: SolanaSettings, label: str) -> list[str]:
    """Creator shares that do not sum to 100 and addresses that are not Solana public keys."""
    where = f"{label}: $.solana.creators"
    problems = [
        f"{where}[{i}].address: {c.address!r} is not a base58 Solana public key (32 bytes)"
        for i, c in enumerate(settings.creators)
        if not is_solana_address(c.address)
    ]
    total = sum(creator.share for creator in settings.creators)
    if settings.creators and total != TOTAL_SHARES:
        problems.append(f"{where}: the shares sum to {total}; they must sum to {TOTAL_SHARES}")
    if len(settings.creators) > MAX_SOLANA_CREATORS:
        problems.append(f"{where}: {len(settings.creators)} creators; Metaplex allows at most 5")
    if settings.collection_image is not None and not settings.collection_image.is_file():
        problems.append(
            f"{label}: $.solana.collection_image: {settings.collection_image}: not found"
        )
    return problems


def tezos_problems(settings: TezosSettings, label: str) -> list[str]:
    """Creator and royalty addresses that are not Tezos addresses (tz1…, KT1…)."""
    addresses = [(f"creators[{i}]", a) for i, a in enumerate(settings.creators)]
    addresses += [(f"royalties.{a}", a) for a, _ in settings.royalty_shares]
    return [
        f"{label}: $.tezos.{where}: {address!r} is not a Tezos address (tz1…, tz2…, tz3…, KT1…)"
        for where, address in addresses
        if not TEZOS_ADDRESS.match(address)
    ]


def cardano_problems(settings: CardanoSettings | None, label: str, present: bool) -> list[str]:
    """The policy id: 56 lower-case hex characters, and not the placeholder."""
    if settings is None or not present:
        return []
    where = f"{label}: $.cardano.policy_id"
    if settings.policy_id == PLACEHOLDER_POLICY_ID:
        return [f"{where}: still the placeholder; {POLICY_HINT}"]
    if not POLICY_ID.match(settings.policy_id):
        return [
            f"{where}: {settings.policy_id!r} is not 56 lower-case hex characters; {POLICY_HINT}"
        ]
    return []


def selection_problems(chains: tuple[str, ...], settings: ChainSettings, label: str) -> list[str]:
    """Chains chosen that need a config section the config lacks."""
    if "cardano" in chains and settings.cardano is None:
        return [f"{label}: $.cardano: missing; the cardano chain needs a policy_id ({POLICY_HINT})"]
    return []


def is_solana_address(address: str) -> bool:
    """Whether `address` is base58 for exactly 32 bytes (an ed25519 public key)."""
    if not address or any(char not in BASE58 for char in address):
        return False
    number = 0
    for char in address:
        number = number * 58 + BASE58.index(char)
    leading = len(address) - len(address.lstrip("1"))  # each leading '1' is a zero byte
    return leading + (number.bit_length() + 7) // 8 == SOLANA_KEY_BYTES


def chosen_chains(requested: tuple[str, ...], settings: ChainSettings) -> tuple[str, ...]:
    """--chain when given, else the config's chains (opensea when it lists none)."""
    return requested or settings.chains
